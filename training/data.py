"""Dataset loading for the Osteon fracture trainer.

A data folder has the FracAtlas layout: images/ + labels.csv (+ optional boxes.csv).
Only image_id is required in labels.csv; missing columns become 'unknown' (-1) and the
corresponding loss terms are skipped for those images.
"""
from __future__ import annotations

import csv
import hashlib
import os
import re
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from preprocess import load_grey, preprocess_array, letterbox_geometry

BODY_PARTS = ["hand", "leg", "hip", "shoulder"]


def _int_or(v, default=-1):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return default


def read_folder(d):
    d = os.path.abspath(d)
    rows = []
    with open(os.path.join(d, "labels.csv"), newline="") as f:
        for r in csv.DictReader(f):
            iid = (r.get("image_id") or "").strip()
            if not iid:
                continue
            path = os.path.join(d, "images", iid)
            if not os.path.exists(path):
                continue
            fr = _int_or(r.get("fractured"))
            cnt = _int_or(r.get("fracture_count"))
            if fr == -1 and cnt >= 0:
                fr = int(cnt > 0)
            if cnt >= 0:
                cnt_cls = min(cnt, 2)
                if fr == 1 and cnt_cls == 0:  # inconsistent row: fractured but count 0 -> count unknown
                    cnt_cls = -1
            elif fr == 0:
                cnt_cls = 0
            else:
                cnt_cls = -1
            parts = [_int_or(r.get(p)) for p in BODY_PARTS]
            parts = parts if all(p in (0, 1) for p in parts) else [-1] * 4
            rows.append({
                "dir": d, "image_id": iid, "path": path, "fractured": fr, "count_cls": cnt_cls,
                "count": cnt, "parts": parts, "hardware": _int_or(r.get("hardware")),
                "multiscan": _int_or(r.get("multiscan")), "boxes": [],
            })
    has_boxes_file = os.path.exists(os.path.join(d, "boxes.csv"))
    if has_boxes_file:
        idx = {r["image_id"]: r for r in rows}
        with open(os.path.join(d, "boxes.csv"), newline="") as f:
            for b in csv.DictReader(f):
                r = idx.get((b.get("image_id") or "").strip())
                if r is None:
                    continue
                try:
                    box = [float(b[k]) for k in ("x_center", "y_center", "width", "height")]
                except (KeyError, TypeError, ValueError):
                    continue
                if box[2] > 0 and box[3] > 0:
                    r["boxes"].append(box)
    for r in rows:
        # heat-map supervision only where we know the boxes: fractured images with >=1 box
        r["box_known"] = bool(has_boxes_file and r["fractured"] == 1 and r["boxes"])
    return rows


def group_key(row, block=20):
    """Groups of consecutive image ids (likely same patient): digits // block, per folder."""
    digits = re.findall(r"\d+", row["image_id"])
    if digits:
        g = int(digits[-1]) // block
    else:
        g = int(hashlib.sha1(row["image_id"].encode()).hexdigest()[:8], 16)
    return (row["dir"], g)


def split_groups(rows, val_fraction=0.2, seed=42, block=20):
    """Stratified group split. Groups are shuffled with `seed`, stably sorted by their
    number of fractured images (desc), then group k goes to validation when
    floor((k+1)*f) > floor(k*f) (systematic sampling). Returns (train_idx, val_idx)."""
    groups = {}
    for i, r in enumerate(rows):
        groups.setdefault(group_key(r, block), []).append(i)
    keys = sorted(groups, key=lambda k: (k[0], k[1]))
    rng = np.random.RandomState(seed)
    perm = rng.permutation(len(keys))
    keys = [keys[p] for p in perm]
    keys.sort(key=lambda k: -sum(1 for i in groups[k] if rows[i]["fractured"] == 1))
    tr, va = [], []
    f = val_fraction
    for k_i, k in enumerate(keys):
        (va if int((k_i + 1) * f) > int(k_i * f) else tr).extend(groups[k])
    return sorted(tr), sorted(va)


def _prep_one(args):
    path, size = args
    g = load_grey(path)
    return preprocess_array(g, size)[0], g.shape


def load_tensors(rows, size, cache_dir=None, workers=2):
    """Returns float32 array [N, S, S] (preprocess contract) and list of (H, W)."""
    key = hashlib.sha1(("|".join(r["path"] for r in rows) + f"|{size}|v1").encode()).hexdigest()[:16]
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        fx = os.path.join(cache_dir, f"x_{key}.npy")
        fs = os.path.join(cache_dir, f"hw_{key}.npy")
        if os.path.exists(fx) and os.path.exists(fs):
            # memory-mapped: a 384-px cache of FracAtlas is 2 GB; batches read the rows they need
            return np.load(fx, mmap_mode="r"), [tuple(s) for s in np.load(fs)]
    jobs = [(r["path"], size) for r in rows]
    if workers > 1 and len(jobs) > 50:
        with ProcessPoolExecutor(workers) as ex:
            res = list(ex.map(_prep_one, jobs, chunksize=16))
    else:
        res = [_prep_one(j) for j in jobs]
    x = np.stack([r[0] for r in res]).astype(np.float32)
    hw = [r[1] for r in res]
    if cache_dir:
        np.save(fx, x)
        np.save(fs, np.asarray(hw, dtype=np.int64))
    return x, hw
