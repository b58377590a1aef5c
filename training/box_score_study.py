"""Which box score ranks boxes best across images? Compares, on a development run's SELECTION split
(never validation), AP50 with normal images included for box scores that mix the centre-map
probability s with the image's fracture probability p: s * p^g for a few g (g = 0 is the raw score),
and the pointing game (unchanged by g: the top box of an image does not depend on p).

usage: /usr/bin/python3 training/box_score_study.py --run /tmp/runs18/D1 [--data /work/shared/datasets/fracatlas]
Prints a table and writes <run>/box_score_study.json. The rule (fixed before the first use): the g with the
highest selection AP50; ties (within 0.005) go to the smaller g.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import read_folder  # noqa: E402
from detection import average_precision_50, square_to_image, top_box_pointing, yolo_to_xyxy  # noqa: E402

GAMMAS = [0.0, 0.25, 0.5, 1.0, 2.0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--data", default="/work/shared/datasets/fracatlas")
    a = ap.parse_args()
    with open(os.path.join(a.run, "metrics.json")) as f:
        m = json.load(f)
    if m["evaluation_split"] != "selection":
        raise SystemExit("box_score_study.py works on development runs (selection split) only")
    npz = np.load(os.path.join(a.run, "selection_outputs.npz"))
    rows = [r for r in read_folder(a.data) if r["fractured"] >= 0]
    by_id = {r["image_id"]: r for r in rows}
    from PIL import Image
    res = {}
    gt, base = {}, {}
    p = npz["fracture"]
    for k, iid in enumerate(npz["image_id"]):
        r = by_id[str(iid)]
        with Image.open(r["path"]) as im:
            hw = (im.size[1], im.size[0])
        key = str(iid)
        gt[key] = [yolo_to_xyxy(b) for b in r["boxes"]] if r["fractured"] == 1 else []
        boxes = []
        for s, b in zip(npz["box_scores"][k], npz["boxes"][k]):
            if s <= 0:
                continue
            bi = square_to_image(b, hw)
            if bi[2] > bi[0] and bi[3] > bi[1]:
                boxes.append((float(s), bi))
        base[key] = (boxes, float(p[k]))
    pg, n = top_box_pointing({k: v for k, v in gt.items() if v}, {k: v[0] for k, v in base.items()})
    for g in GAMMAS:
        pr = {k: [(s * (pp ** g), b) for s, b in bx] for k, (bx, pp) in base.items()}
        res[g] = average_precision_50(gt, pr)
    top = max(res.values())
    best = min(g for g in GAMMAS if res[g] >= top - 0.005)
    out = {"run": a.run, "ap50_by_gamma": {str(g): v for g, v in res.items()}, "pointing_game": pg, "n_fractured": n,
           "chosen_gamma": best, "rule": "highest selection AP50 (ties within 0.005 -> smaller gamma)"}
    for g in GAMMAS:
        print(f"score = s * p^{g:<5} AP50 {res[g]:.4f}")
    print(f"pointing game {pg:.3f} (n={n}); chosen gamma {best}")
    with open(os.path.join(a.run, "box_score_study.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
