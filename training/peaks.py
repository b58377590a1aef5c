"""Ways to turn a heat map [H, W] into one point, in cell units (cell k spans k..k+1, centre k + 0.5).

The engine implements the chosen one in src/inference/heatmap-peak.ts; keep the two in step.
"""
from __future__ import annotations

import numpy as np

# The engine implements these; a card may name only one of them.
ENGINE_METHODS = ["cell-centre", "quadratic-fit", "quadratic-fit-2d"]
# Candidates compared by peak_study.py.
METHODS = ["cell-centre", "quadratic-fit", "quadratic-fit-logit", "quadratic-fit-log", "quadratic-fit-2d", "bicubic-x8",
           "centroid-3x3", "region-0.5", "region-0.7", "region-0.85"]


def peak_point(hm: np.ndarray, method: str) -> tuple[float, float]:
    h, w = hm.shape
    k = int(np.argmax(hm))  # first maximum in row-major order, as the engine does
    i, j = divmod(k, w)
    if method == "cell-centre":
        return i + 0.5, j + 0.5
    if method == "quadratic-fit":
        return i + 0.5 + _parabola(hm, i, j, 1, 0), j + 0.5 + _parabola(hm, i, j, 0, 1)
    if method == "quadratic-fit-logit":
        p = np.clip(hm.astype(np.float64), 1e-6, 1 - 1e-6)
        z = np.log(p / (1 - p))
        return i + 0.5 + _parabola(z, i, j, 1, 0), j + 0.5 + _parabola(z, i, j, 0, 1)
    if method == "quadratic-fit-log":
        z = np.log(np.clip(hm.astype(np.float64), 1e-6, None))
        return i + 0.5 + _parabola(z, i, j, 1, 0), j + 0.5 + _parabola(z, i, j, 0, 1)
    if method == "quadratic-fit-2d":
        return _quadratic_2d(hm, i, j)
    if method == "bicubic-x8":
        import torch
        up = torch.nn.functional.interpolate(torch.from_numpy(hm[None, None].astype(np.float32)), scale_factor=8, mode="bicubic", align_corners=False)[0, 0].numpy()
        k2 = int(np.argmax(up))
        a, b = divmod(k2, up.shape[1])
        return (a + 0.5) / 8, (b + 0.5) / 8
    if method == "centroid-3x3":
        rows = range(max(0, i - 1), min(h, i + 2))
        cols = range(max(0, j - 1), min(w, j + 2))
        return _centroid(hm, [(r, c) for r in rows for c in cols])
    if method.startswith("region-"):
        return _centroid(hm, _region(hm, i, j, float(method.split("-")[1]) * hm[i, j]))
    raise ValueError(method)


def _parabola(hm, i, j, di, dj):
    """Sub-cell offset of the vertex of the parabola through the peak and its two neighbours."""
    h, w = hm.shape
    if not (0 <= i - di and i + di < h and 0 <= j - dj and j + dj < w):
        return 0.0
    before, centre, after = hm[i - di, j - dj], hm[i, j], hm[i + di, j + dj]
    curvature = before - 2 * centre + after
    if curvature >= 0:
        return 0.0
    return float(np.clip(0.5 * (before - after) / curvature, -0.5, 0.5))


def _quadratic_2d(hm, i, j):
    """Vertex of the least-squares quadric over the 3x3 neighbourhood (falls back to the axis fits)."""
    h, w = hm.shape
    if not (0 < i < h - 1 and 0 < j < w - 1):
        return i + 0.5 + _parabola(hm, i, j, 1, 0), j + 0.5 + _parabola(hm, i, j, 0, 1)
    p = hm[i - 1:i + 2, j - 1:j + 2].astype(np.float64)
    dx = (p[1, 2] - p[1, 0]) / 2
    dy = (p[2, 1] - p[0, 1]) / 2
    dxx = p[1, 2] - 2 * p[1, 1] + p[1, 0]
    dyy = p[2, 1] - 2 * p[1, 1] + p[0, 1]
    dxy = (p[2, 2] - p[2, 0] - p[0, 2] + p[0, 0]) / 4
    det = dxx * dyy - dxy * dxy
    if det <= 0 or dxx >= 0:
        return i + 0.5 + _parabola(hm, i, j, 1, 0), j + 0.5 + _parabola(hm, i, j, 0, 1)
    ox = -(dyy * dx - dxy * dy) / det
    oy = -(dxx * dy - dxy * dx) / det
    return i + 0.5 + float(np.clip(oy, -0.5, 0.5)), j + 0.5 + float(np.clip(ox, -0.5, 0.5))


def _region(hm, i, j, floor):
    """Cells >= floor 4-connected to the peak."""
    h, w = hm.shape
    seen = {(i, j)}
    todo = [(i, j)]
    while todo:
        r, c = todo.pop()
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < h and 0 <= nc < w and (nr, nc) not in seen and hm[nr, nc] >= floor:
                seen.add((nr, nc))
                todo.append((nr, nc))
    return sorted(seen)


def _centroid(hm, cells):
    weights = np.array([hm[r, c] for r, c in cells], dtype=np.float64)
    total = weights.sum()
    y = sum(wt * (r + 0.5) for wt, (r, c) in zip(weights, cells)) / total
    x = sum(wt * (c + 0.5) for wt, (r, c) in zip(weights, cells)) / total
    return float(y), float(x)


if __name__ == "__main__":
    # Parity check with the engine: `peaks.py METHOD < maps.json` ({"height", "width", "maps": [[...]]})
    # prints [[row, column], ...] in cell units.
    import json
    import sys

    request = json.load(sys.stdin)
    shape = (request["height"], request["width"])
    print(json.dumps([peak_point(np.asarray(m, dtype=np.float32).reshape(shape), sys.argv[1]) for m in request["maps"]]))
