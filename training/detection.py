"""Detection targets, losses and metrics for the anchor-free (CenterNet-style) head of model 2,
plus calibration helpers (ECE, reliability diagram, Platt / temperature scaling).

Box conventions:
- boxes.csv: normalised YOLO boxes (x_center, y_center, width, height) of the ORIGINAL image.
- "square" boxes: x1, y1, x2, y2 normalised to the letterboxed square (what the network sees).
- Metrics compare boxes in the ORIGINAL image frame, normalised (x / W, y / H), after clipping
  predicted boxes to the image.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from preprocess import letterbox_geometry


# ---------------------------------------------------------------- frames

def yolo_to_square(boxes, hw):
    """YOLO boxes of the original image -> [x1,y1,x2,y2] normalised to the letterboxed square."""
    h, w = hw
    g = letterbox_geometry(h, w)
    m = g["side"]
    out = []
    for xc, yc, bw, bh in boxes:
        out.append([((xc - bw / 2) * w + g["pad_left"]) / m, ((yc - bh / 2) * h + g["pad_top"]) / m,
                    ((xc + bw / 2) * w + g["pad_left"]) / m, ((yc + bh / 2) * h + g["pad_top"]) / m])
    return out


def square_to_image(box, hw):
    """[x1,y1,x2,y2] normalised to the letterboxed square -> normalised to the original image, clipped to 0..1."""
    h, w = hw
    g = letterbox_geometry(h, w)
    m = g["side"]
    x1 = (box[0] * m - g["pad_left"]) / w; x2 = (box[2] * m - g["pad_left"]) / w
    y1 = (box[1] * m - g["pad_top"]) / h; y2 = (box[3] * m - g["pad_top"]) / h
    c = lambda v: min(1.0, max(0.0, float(v)))  # noqa: E731
    return [c(x1), c(y1), c(x2), c(y2)]


def yolo_to_xyxy(b):
    xc, yc, bw, bh = b
    return [xc - bw / 2, yc - bh / 2, xc + bw / 2, yc + bh / 2]


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


# ---------------------------------------------------------------- targets and losses

def make_targets(rects_list, S, stride=8, sigma_min=0.5, sigma_frac=0.2):
    """rects_list: per image, boxes [x1,y1,x2,y2] normalised to the (augmented) square.
    Returns heat [B,h,w] (elliptical Gaussians, peak 1 at each box's centre cell, sigma per axis =
    max(sigma_min, sigma_frac * box side in cells)), and per-box lists (b, i, j, offset x/y in cells
    relative to the cell centre, box w/h in cells)."""
    B = len(rects_list)
    G = S // stride
    heat = torch.zeros(B, G, G)
    bi, ii, jj, tgt = [], [], [], []
    ys = torch.arange(G, dtype=torch.float32).view(G, 1) + 0.5
    xs = torch.arange(G, dtype=torch.float32).view(1, G) + 0.5
    for b, rects in enumerate(rects_list):
        for x1, y1, x2, y2 in rects:
            x1, x2 = max(0.0, x1), min(1.0, x2)
            y1, y2 = max(0.0, y1), min(1.0, y2)
            if x2 - x1 <= 1e-4 or y2 - y1 <= 1e-4:
                continue
            cx, cy = (x1 + x2) / 2 * G, (y1 + y2) / 2 * G
            bw, bh = (x2 - x1) * G, (y2 - y1) * G
            j, i = min(G - 1, int(cx)), min(G - 1, int(cy))
            sx, sy = max(sigma_min, sigma_frac * bw), max(sigma_min, sigma_frac * bh)
            g = torch.exp(-((xs - cx) ** 2) / (2 * sx * sx) - ((ys - cy) ** 2) / (2 * sy * sy))
            g = (g / g[i, j]).clamp(max=0.999)  # only the centre cell is exactly 1
            heat[b] = torch.maximum(heat[b], g)
            heat[b, i, j] = 1.0
            bi.append(b); ii.append(i); jj.append(j)
            tgt.append([cx - (j + 0.5), cy - (i + 0.5), bw, bh])
    return heat, (torch.tensor(bi, dtype=torch.long), torch.tensor(ii, dtype=torch.long), torch.tensor(jj, dtype=torch.long),
                  torch.tensor(tgt, dtype=torch.float32).view(-1, 4))


def focal_heat_loss(logits, heat, alpha=2.0, beta=4.0):
    """CenterNet penalty-reduced focal loss, summed, normalised by the number of centres (>= 1).
    logits/heat: [B,h,w]."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1.0).float()
    neg = 1.0 - pos
    pos_loss = -torch.log(p) * (1 - p) ** alpha * pos
    neg_loss = -torch.log(1 - p) * p ** alpha * (1 - heat) ** beta * neg
    n = pos.sum().clamp(min=1.0)
    return (pos_loss.sum() + neg_loss.sum()) / n


def box_losses(offset, logsize, idx):
    """L1 on the centre offset (cells), L1 on log box size, and GIoU of the decoded box at the
    ground-truth centre cell. offset/logsize: [B,2,h,w]; idx from make_targets (already filtered)."""
    b, i, j, t = idx
    if len(b) == 0:
        z = offset.sum() * 0
        return z, z, z
    po = offset[b, :, i, j]
    pl = logsize[b, :, i, j]
    l_off = F.l1_loss(po, t[:, 0:2])
    l_size = F.l1_loss(pl, torch.log(t[:, 2:4].clamp(min=1e-3)))
    pw, ph = torch.exp(pl[:, 0]), torch.exp(pl[:, 1])
    pcx, pcy = po[:, 0], po[:, 1]
    tcx, tcy, tw, th = t[:, 0], t[:, 1], t[:, 2], t[:, 3]
    px1, px2, py1, py2 = pcx - pw / 2, pcx + pw / 2, pcy - ph / 2, pcy + ph / 2
    tx1, tx2, ty1, ty2 = tcx - tw / 2, tcx + tw / 2, tcy - th / 2, tcy + th / 2
    iw = (torch.min(px2, tx2) - torch.max(px1, tx1)).clamp(min=0)
    ih = (torch.min(py2, ty2) - torch.max(py1, ty1)).clamp(min=0)
    inter = iw * ih
    union = pw * ph + tw * th - inter
    iou_ = inter / union.clamp(min=1e-6)
    cw = torch.max(px2, tx2) - torch.min(px1, tx1)
    ch = torch.max(py2, ty2) - torch.min(py1, ty1)
    carea = (cw * ch).clamp(min=1e-6)
    giou = iou_ - (carea - union) / carea
    return l_off, l_size, (1 - giou).mean()


# ---------------------------------------------------------------- detection metrics

def average_precision_50(gt_by_image, pred_by_image, iou_thr=0.5):
    """AP at IoU >= iou_thr over all images (images without ground truth contribute false positives).
    gt_by_image: {image: [[x1,y1,x2,y2], ...]} (original-image normalised); pred_by_image: {image: [(score,
    [x1,y1,x2,y2]), ...]}. Greedy matching in descending score order (each ground-truth box matched at most
    once, to the unmatched box of highest IoU); all-point interpolated precision (VOC 2010+ / COCO style
    area under the monotone precision envelope). Ties in score keep input order (stable sort)."""
    n_gt = sum(len(v) for v in gt_by_image.values())
    if n_gt == 0:
        return None
    dets = []
    for img, preds in pred_by_image.items():
        for s, b in preds:
            dets.append((float(s), img, b))
    order = sorted(range(len(dets)), key=lambda k: -dets[k][0])
    used = {img: [False] * len(v) for img, v in gt_by_image.items()}
    tp = np.zeros(len(dets)); fp = np.zeros(len(dets))
    for r, k in enumerate(order):
        s, img, b = dets[k]
        gts = gt_by_image.get(img, [])
        best, best_j = 0.0, -1
        for j, g in enumerate(gts):
            if used[img][j]:
                continue
            o = iou(b, g)
            if o > best:
                best, best_j = o, j
        if best_j >= 0 and best >= iou_thr:
            used[img][best_j] = True
            tp[r] = 1
        else:
            fp[r] = 1
    ctp, cfp = np.cumsum(tp), np.cumsum(fp)
    rec = ctp / n_gt
    prec = ctp / np.maximum(ctp + cfp, 1e-12)
    mrec = np.concatenate([[0.0], rec, [1.0]])
    mpre = np.concatenate([[0.0], prec, [0.0]])
    for k in range(len(mpre) - 2, -1, -1):
        mpre[k] = max(mpre[k], mpre[k + 1])
    ch = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[ch + 1] - mrec[ch]) * mpre[ch + 1]))


def top_box_pointing(gt_by_image, pred_by_image):
    """Share of images with ground-truth boxes whose top-scoring predicted box has its centre inside a
    ground-truth box (inclusive edges). Returns (hits/n, n)."""
    n = hits = 0
    for img, gts in gt_by_image.items():
        if not gts:
            continue
        n += 1
        preds = pred_by_image.get(img) or []
        if not preds:
            continue
        s, b = max(preds, key=lambda sb: sb[0])  # first of equal maxima: max() keeps the first
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        if any(g[0] <= cx <= g[2] and g[1] <= cy <= g[3] for g in gts):
            hits += 1
    return (hits / n if n else None), n


# ---------------------------------------------------------------- calibration

def ece(y, p, bins=10):
    """Expected calibration error with equal-width bins on [0,1] (bin k = [k/10, (k+1)/10), last bin
    closed): sum_k n_k/N * |mean(y)_k - mean(p)_k|. Returns (ece, diagram rows)."""
    y = np.asarray(y, dtype=np.float64); p = np.asarray(p, dtype=np.float64)
    k = np.minimum((p * bins).astype(int), bins - 1)
    rows, e = [], 0.0
    for b in range(bins):
        m = k == b
        nb = int(m.sum())
        if nb:
            acc, conf = float(y[m].mean()), float(p[m].mean())
            e += nb / len(y) * abs(acc - conf)
        else:
            acc = conf = None
        rows.append({"bin": [b / bins, (b + 1) / bins], "n": nb, "mean_predicted": conf, "observed_fraction": acc})
    return float(e), rows


def fit_platt(logits, y, iters=100):
    """Fit a, b of sigmoid(a * logit + b) (Platt scaling; a = 1/temperature) by the algorithm of Lin,
    Lin and Weng (2007, "A note on Platt's probabilistic outputs"): Platt's smoothed targets
    (N+ + 1) / (N+ + 2) and 1 / (N- + 2) instead of 1 and 0, and Newton's method with a backtracking
    line search on the stable log loss. A validation split the model separates perfectly (a toy set,
    a few doctor labels) has no finite plain maximum-likelihood fit: plain Newton ran to a ~ 2000 and
    put the boundary outside both classes, calling every image a fracture; the smoothed targets keep
    the boundary between them and the slope finite. On a large split they barely move the fit."""
    z = np.asarray(logits, dtype=np.float64); y = np.asarray(y, dtype=np.float64)
    n_pos, n_neg = float(np.sum(y == 1)), float(np.sum(y != 1))
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(a, b):
        f = a * z + b
        return float(np.sum(t * np.logaddexp(0, -f) + (1 - t) * np.logaddexp(0, f)))
    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iters):
        f = a * z + b
        p = np.exp(-np.logaddexp(0, -f))
        g = np.array([np.sum((p - t) * z), np.sum(p - t)])
        if np.abs(g).max() < 1e-8:
            break
        w = p * (1 - p)
        H = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]]) + 1e-12 * np.eye(2)
        d = -np.linalg.solve(H, g)
        step = 1.0
        while step >= 1e-10:
            na, nb = a + step * d[0], b + step * d[1]
            candidate = loss(na, nb)
            if candidate <= current + 1e-4 * step * float(g @ d):
                break
            step /= 2
        if step < 1e-10:
            break
        a, b, current = na, nb, candidate
    if not (np.isfinite(a) and np.isfinite(b)):
        return 1.0, 0.0
    return float(a), float(b)


def fit_temperature(logits, y):
    """Fit T minimising log loss of sigmoid(logit / T) (1-D golden-section search on log T)."""
    z = np.asarray(logits, dtype=np.float64); y = np.asarray(y, dtype=np.float64)

    def nll(lt):
        p = np.clip(1 / (1 + np.exp(-z / math.exp(lt))), 1e-12, 1 - 1e-12)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    lo, hi = math.log(0.05), math.log(20.0)
    gr = (math.sqrt(5) - 1) / 2
    c, d = hi - gr * (hi - lo), lo + gr * (hi - lo)
    for _ in range(100):
        if nll(c) < nll(d):
            hi = d
        else:
            lo = c
        c, d = hi - gr * (hi - lo), lo + gr * (hi - lo)
    return float(math.exp((lo + hi) / 2))


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))
