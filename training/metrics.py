"""Small numpy metric helpers (no sklearn dependency)."""
from __future__ import annotations

import numpy as np


def roc_auc(y, p):
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    npos, nneg = int((y == 1).sum()), int((y == 0).sum())
    if npos == 0 or nneg == 0:
        return None
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p), dtype=np.float64)
    sp = p[order]
    i = 0
    while i < len(sp):  # average ranks for ties
        j = i
        while j + 1 < len(sp) and sp[j + 1] == sp[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    return float((ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def average_precision(y, p):
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    if (y == 1).sum() == 0:
        return None
    order = np.argsort(-p, kind="mergesort")
    ys = y[order]
    tp = np.cumsum(ys)
    prec = tp / np.arange(1, len(ys) + 1)
    return float((prec * ys).sum() / ys.sum())


def threshold_for_sensitivity(y, p, target=0.90):
    """A threshold t such that sensitivity of (p >= t) is >= target, as strict as possible: halfway
    between the score of the last positive it must keep and the next lower score, so a ~1e-6
    difference between PyTorch and onnxruntime cannot flip a validation case."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    pos = np.sort(p[y == 1])[::-1]
    if len(pos) == 0:
        return 0.5
    k = int(np.ceil(target * len(pos)))  # need at least k positives above threshold
    kept = float(pos[max(k, 1) - 1])
    lower = p[p < kept]
    return (kept + float(lower.max())) / 2 if len(lower) else kept


def binary_at(y, p, t):
    y = np.asarray(y).astype(int)
    pr = (np.asarray(p) >= t).astype(int)
    tp = int(((pr == 1) & (y == 1)).sum()); fn = int(((pr == 0) & (y == 1)).sum())
    tn = int(((pr == 0) & (y == 0)).sum()); fp = int(((pr == 1) & (y == 0)).sum())
    sens = tp / (tp + fn) if tp + fn else None
    spec = tn / (tn + fp) if tn + fp else None
    ppv = tp / (tp + fp) if tp + fp else None
    npv = tn / (tn + fn) if tn + fn else None
    return {"threshold": t, "tp": tp, "fp": fp, "tn": tn, "fn": fn, "sensitivity": sens, "specificity": spec,
            "ppv": ppv, "npv": npv, "accuracy": (tp + tn) / max(1, len(y))}


def binary_summary(y, p, t, groups=None, n_boot=1000, seed=0):
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    out = {"n": int(len(y)), "n_positive": int((y == 1).sum()), "roc_auc": roc_auc(y, p),
           "pr_auc": average_precision(y, p), "at_threshold": binary_at(y, p, t)}
    if out["roc_auc"] is not None and n_boot:
        rng = np.random.RandomState(seed)
        if groups is None:
            groups = np.arange(len(y))
        ug, inv = np.unique(np.asarray([str(g) for g in groups]), return_inverse=True)
        members = [np.where(inv == k)[0] for k in range(len(ug))]
        aucs = []
        for _ in range(n_boot):
            pick = rng.randint(0, len(members), len(members))
            idx = np.concatenate([members[k] for k in pick])
            a = roc_auc(y[idx], p[idx])
            if a is not None:
                aucs.append(a)
        if aucs:
            out["roc_auc_ci95"] = [float(np.percentile(aucs, 2.5)), float(np.percentile(aucs, 97.5))]
            out["roc_auc_ci_method"] = f"{n_boot} bootstrap resamples of validation groups (20-id blocks), percentile"
    return out


def confusion_and_f1(y, pred, k):
    cm = np.zeros((k, k), dtype=int)
    for a, b in zip(y, pred):
        cm[int(a), int(b)] += 1
    f1s = []
    for c in range(k):
        tp = cm[c, c]; fp = cm[:, c].sum() - tp; fn = cm[c, :].sum() - tp
        f1s.append(float(2 * tp / (2 * tp + fp + fn)) if (2 * tp + fp + fn) else None)
    valid = [f for f in f1s if f is not None]
    return cm.tolist(), f1s, (float(np.mean(valid)) if valid else None)
