"""Osteon fracture model — preprocessing contract (the Node engine reimplements exactly this).

Steps, for an 8-bit greyscale image given as float values 0..255, shape H x W:

1. Letterbox to a square of side M = max(H, W) by padding with zeros (black).
   Rows:    pad_top  = floor((M - H) / 2), pad_bottom = M - H - pad_top
   Columns: pad_left = floor((M - W) / 2), pad_right  = M - W - pad_left
2. Resize the M x M square to S x S with adaptive-average-pooling semantics
   (torch.nn.functional.adaptive_avg_pool2d): output row i averages input rows
   floor(i*M/S) .. ceil((i+1)*M/S)-1 (inclusive), same for columns; the output
   value is the plain mean of that rectangle. Computed in float64.
3. Divide by 255 and cast to float32 -> values in [0, 1].

The result has shape [1, S, S] (one channel); the ONNX graph itself replicates it to
three channels and normalises ((x - 0.5) / 0.5 per channel, i.e. [-1, 1], the
normalisation of the Keras MobileNetV2 initial weights).

JPEG files are decoded with Pillow and converted to luminance with Image.convert("L")
(ITU-R 601-2: L = R*299/1000 + G*587/1000 + B*114/1000; a greyscale JPEG is used as is).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["load_grey", "letterbox_geometry", "preprocess_array", "preprocess_file", "pool_bounds"]


def load_grey(path: str) -> np.ndarray:
    """Decode an image file to a float64 H x W array of 0..255 grey values."""
    from PIL import Image, ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    with Image.open(path) as im:
        im = im.convert("L")
        return np.asarray(im, dtype=np.float64)


def letterbox_geometry(h: int, w: int) -> dict:
    m = max(h, w)
    top = (m - h) // 2
    left = (m - w) // 2
    return {"side": m, "pad_top": top, "pad_bottom": m - h - top, "pad_left": left, "pad_right": m - w - left}


def pool_bounds(n_in: int, n_out: int):
    """[start, end) input index ranges of adaptive average pooling (PyTorch semantics)."""
    starts = [(i * n_in) // n_out for i in range(n_out)]
    ends = [-((-(i + 1) * n_in) // n_out) for i in range(n_out)]  # ceil((i+1)*n_in/n_out)
    return starts, ends


def preprocess_array(grey: np.ndarray, size: int) -> np.ndarray:
    """grey: H x W array (0..255). Returns float32 array [1, size, size] in [0, 1]."""
    grey = np.asarray(grey, dtype=np.float64)
    if grey.ndim != 2:
        raise ValueError("expected a 2-D greyscale array")
    h, w = grey.shape
    g = letterbox_geometry(h, w)
    m = g["side"]
    sq = np.zeros((m, m), dtype=np.float64)
    sq[g["pad_top"]:g["pad_top"] + h, g["pad_left"]:g["pad_left"] + w] = grey
    # integral image -> exact rectangle sums (float64)
    ii = np.zeros((m + 1, m + 1), dtype=np.float64)
    ii[1:, 1:] = sq.cumsum(0).cumsum(1)
    s, e = pool_bounds(m, size)
    s = np.asarray(s)
    e = np.asarray(e)
    total = ii[e][:, e] - ii[s][:, e] - ii[e][:, s] + ii[s][:, s]
    area = (e - s)[:, None] * (e - s)[None, :]
    out = total / area / 255.0
    return out.astype(np.float32)[None]


def preprocess_file(path: str, size: int) -> np.ndarray:
    return preprocess_array(load_grey(path), size)
