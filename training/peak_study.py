"""Where on the film does the heat map point? Compares ways of turning the heat map into one
point (the "peak") for the pointing game, and can write a card release that uses the best.

The method is chosen on the *training* split's fractured images (among those the engine
implements) and only then measured on the validation split, so the reported validation number
is not tuned on validation. The ONNX file is not touched: the derived card names the same file.

    /usr/bin/python3 training/peak_study.py --data /work/shared/datasets/fracatlas \
        --weights /tmp/runs/B2/model.pt --out /tmp/peak-study.json \
        --card models/osteon-fracture-1.0.0.card.json --version 1.0.1 --card-out models/osteon-fracture-1.0.1.card.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_tensors, read_folder, split_groups  # noqa: E402
from model import OsteonNet  # noqa: E402
from peaks import ENGINE_METHODS, METHODS, peak_point  # noqa: E402
from preprocess import letterbox_geometry  # noqa: E402

GROUP_BLOCK = 20


def heatmaps(net, x, batch=32):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            _, _, _, heat = net(torch.from_numpy(x[i:i + batch]).unsqueeze(1))
            out.append(torch.sigmoid(heat).numpy())
    return np.concatenate(out)


def hit(rows, hws, heat, method):
    """Share of images whose peak (mapped back through the letterbox) lies inside one of their boxes."""
    hits = 0
    for r, (h, w), hm in zip(rows, hws, heat):
        gy, gx = peak_point(hm, method)  # in cells, cell centres at k + 0.5
        g = letterbox_geometry(h, w)
        px = gx * g["side"] / hm.shape[1] - g["pad_left"]
        py = gy * g["side"] / hm.shape[0] - g["pad_top"]
        hits += any((xc - bw / 2) * w <= px <= (xc + bw / 2) * w and (yc - bh / 2) * h <= py <= (yc + bh / 2) * h
                    for xc, yc, bw, bh in r["boxes"])
    return hits / len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--cache-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--card", help="card of the release --weights belongs to")
    ap.add_argument("--card-out", help="write a copy of --card that uses the chosen method (new --version)")
    ap.add_argument("--version")
    a = ap.parse_args()
    torch.set_num_threads(2)

    rows = [r for r in read_folder(a.data) if r["fractured"] >= 0]
    tr_idx, va_idx = split_groups(rows, 0.2, 42, GROUP_BLOCK)
    x, hw = load_tensors(rows, a.size, a.cache_dir)
    net = OsteonNet(heat_stride=16)
    net.load_state_dict(torch.load(a.weights, map_location="cpu"))
    net.eval()

    result = {"weights": a.weights, "methods": {}}
    split = {}
    for name, idx in (("train", tr_idx), ("validation", va_idx)):
        keep = [i for i in idx if rows[i]["fractured"] == 1 and rows[i]["boxes"]]
        split[name] = ([rows[i] for i in keep], [hw[i] for i in keep], heatmaps(net, x[keep]))
        result[f"n_{name}"] = len(keep)
    for method in METHODS:
        result["methods"][method] = {name: hit(*split[name], method) for name in split}
        print(method, result["methods"][method], flush=True)
    chosen = max(ENGINE_METHODS, key=lambda m: result["methods"][m]["train"])  # first wins a tie
    result["chosen_on_train"] = chosen
    result["validation_of_chosen"] = result["methods"][chosen]["validation"]
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
    print("chosen on train:", chosen, "validation:", result["validation_of_chosen"])
    if a.card_out:
        write_card(a, chosen, result)


def write_card(a, chosen, result):
    with open(a.card) as f:
        card = json.load(f)
    source_version = card["version"]
    card["version"] = a.version
    card["derivedFrom"] = {"version": source_version, "change": f"heat-map peak method cell-centre -> {chosen}; same ONNX file and weights"}
    card["heatmap_peak"] = {
        "method": chosen,
        "reference_implementation": "training/peaks.py (peak_point); engine src/inference/heatmap-peak.ts",
        "meaning": "the heat map's single 'where' point: first maximum (row-major), then the method's sub-cell refinement",
        "chosen_on": f"pointing game on the training split's {result['n_train']} fractured images with boxes, among {ENGINE_METHODS}; "
                     "validation was not used to choose",
        "study": result["methods"],
    }
    loc = card["validation"]["metrics"]["localisation"]
    loc["pointing_game_cell_centre"] = loc["pointing_game"]
    loc["pointing_game"] = result["validation_of_chosen"]
    loc["peak_method"] = chosen
    with open(a.card_out, "w") as f:
        json.dump(card, f, indent=2)
    print("wrote", a.card_out)


if __name__ == "__main__":
    main()
