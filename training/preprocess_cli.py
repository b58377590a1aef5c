"""Parity helper: print (or write) the preprocessed tensor for one image.

usage: /usr/bin/python3 training/preprocess_cli.py IMAGE S [--f32 OUT.f32] [--grey-f32 H W]
  default: prints JSON {"shape": [1,1,S,S], "data": [...row-major floats...]}
  --f32 OUT: writes little-endian float32 raw data (row-major, N=1,C=1,S,S) instead.
  --raw-grey H W: IMAGE is a raw little-endian float32 H*W file of 0..255 grey values
                  (lets the Node side feed the exact grey it decoded, e.g. from DICOM).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from preprocess import preprocess_array, load_grey  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("size", type=int)
    ap.add_argument("--f32", default=None)
    ap.add_argument("--raw-grey", nargs=2, type=int, default=None, metavar=("H", "W"))
    a = ap.parse_args()
    if a.raw_grey:
        h, w = a.raw_grey
        grey = np.fromfile(a.image, dtype="<f4").astype(np.float64).reshape(h, w)
    else:
        grey = load_grey(a.image)
    x = preprocess_array(grey, a.size)[None]  # [1,1,S,S]
    if a.f32:
        x.astype("<f4").tofile(a.f32)
    else:
        json.dump({"shape": list(x.shape), "data": [float(v) for v in x.ravel()]}, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
