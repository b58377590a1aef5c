"""Expected outputs of the active model on the fixture images, for engine parity tests.

usage: /usr/bin/python3 training/fixture_expectations.py [--models models] [--fixtures test/fixtures/fracatlas]
           --ort-node-modules /tmp/ortcheck/node_modules [--out file.json]
Writes <fixtures>/expected-osteon-fracture-<version>.json: per image, statistics of the preprocessed
tensor (training/preprocess.py), the ONNX outputs in onnxruntime-node, and the boxes mapped onto the
original image (fractions of its width/height, clipped; as src/inference/fracture-boxes.ts does). When the
release ships a training checkpoint, the PyTorch outputs of that checkpoint are compared too.
"""
import argparse
import csv
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from detection import square_to_image  # noqa: E402
from ensemble_finetune import run_onnx  # noqa: E402
from preprocess import load_grey, preprocess_array  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(HERE, "..", "models"))
    ap.add_argument("--fixtures", default=os.path.join(HERE, "..", "test", "fixtures", "fracatlas"))
    ap.add_argument("--ort-node-modules", required=True)
    ap.add_argument("--out", default=None, help="write here instead of <fixtures>/expected-osteon-fracture-<version>.json")
    a = ap.parse_args()
    with open(os.path.join(a.models, "current.json")) as f:
        cur = json.load(f)
    with open(os.path.join(a.models, cur["card"])) as f:
        card = json.load(f)
    S = card["preprocessing"]["S"]
    with open(os.path.join(a.fixtures, "labels.csv"), newline="") as f:
        labels = list(csv.DictReader(f))
    tensors, shapes = [], []
    for r in labels:
        g = load_grey(os.path.join(a.fixtures, "images", r["image_id"]))
        shapes.append(g.shape)
        tensors.append(preprocess_array(g, S)[0])
    X = np.stack(tensors).astype(np.float32)
    arr = run_onnx(os.path.join(a.models, cur["model"]), X, S, a.ort_node_modules)
    torch_diff = None
    ck = (card.get("files") or {}).get("checkpoint")
    ensemble = card.get("architecture", {}).get("ensemble")
    names = [o["name"] for o in card["outputs"]]
    if ck and ensemble:
        # An averaged release's checkpoint is member A's: held to member A's part of the graph, at its input size.
        import onnx
        from ensemble_release import member, member_size
        graph = onnx.load(os.path.join(a.models, cur["model"]))
        size = member_size(graph, "a/")
        Xa = np.stack([preprocess_array(load_grey(os.path.join(a.fixtures, "images", r["image_id"])), size)[0] for r in labels])
        Xa = Xa.astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "member-a.onnx")
            onnx.save(member(graph, "a/", names), path)
            member_out = run_onnx(path, Xa, size, a.ort_node_modules)
        cal = ensemble["members"][0].get("calibration") or {}
        ref = checkpoint_outputs(os.path.join(a.models, ck), (1.0, 0.0) if cal.get("a") is None else (cal["a"], cal["b"]), Xa, size)
        torch_diff = {n: float(np.abs(member_out[n] - r).max()) for n, r in zip(names, ref)}
    elif ck:
        cal = card.get("calibration") or {}
        ref = checkpoint_outputs(os.path.join(a.models, ck), (cal.get("a", 1.0), cal.get("b", 0.0)), X, S)
        # a trained release's checkpoint is fp16 (differences of ~1e-3 against the fp32 ONNX are expected);
        # a checkpoint rebuilt from the ONNX file (training/export_checkpoint.py) is fp32 and matches to ~1e-6
        torch_diff = {n: float(np.abs(arr[n] - r).max()) for n, r in zip(names, ref)}
    images = []
    for k, (r, hw) in enumerate(zip(labels, shapes)):
        hm = arr["heatmap"][k]
        item = {
            "image_id": r["image_id"], "fractured": int(r["fractured"]), "height": int(hw[0]), "width": int(hw[1]),
            "tensor_sum": float(X[k].astype(np.float64).sum()), "tensor_mean": float(X[k].mean()),
            "tensor_first_row_center": [float(v) for v in X[k][S // 2][S // 2 - 8:S // 2 + 8]],
            "fracture_prob": float(arr["fracture_prob"][k]),
            "count_probs": [float(v) for v in arr["count_probs"][k]],
            "body_part_probs": [float(v) for v in arr["body_part_probs"][k]],
            "heatmap_peak_rowcol": [int(v) for v in divmod(int(np.argmax(hm)), hm.shape[1])],
        }
        if "boxes" in arr:
            boxes = []
            for s, b in zip(arr["box_scores"][k], arr["boxes"][k]):
                if s <= 0:
                    continue
                bi = square_to_image(b, hw)
                if bi[2] > bi[0] and bi[3] > bi[1]:
                    boxes.append({"x1": bi[0], "y1": bi[1], "x2": bi[2], "y2": bi[3], "score": float(s)})
            item["boxes"] = boxes[:3]
        images.append(item)
    doc = {"model": cur["model"], "version": cur["version"], "S": S, "threshold": card["threshold"]["value"],
           "note": "onnxruntime-node outputs on these fixture files (as stored, after their resize to <=512 px); preprocessing by "
                   "training/preprocess.py; boxes (top 3 with score > 0) on the original image as fractions of its width/height. "
                   "Compare with tolerance ~1e-4 (JPEG decoders may differ slightly).",
           "pytorch_checkpoint_max_abs_diff": torch_diff, "images": images}
    dst = a.out or os.path.join(a.fixtures, f"expected-osteon-fracture-{cur['version']}.json")
    with open(dst, "w") as f:
        json.dump(doc, f, indent=1)
    print("wrote", dst, "pytorch diff", torch_diff)


def checkpoint_outputs(path, calib, X, size):
    """Every output of a training checkpoint in PyTorch, with the release's calibration, as its ONNX export has them."""
    import torch
    from model import DetExportWrapper, ExportWrapper, build_net
    from train import load_checkpoint
    cfg, sd = load_checkpoint(path)
    net = build_net(cfg).eval()
    net.load_state_dict(sd)
    boxes = cfg.get("arch") in ("det", "v1box")
    wrap = (DetExportWrapper(net, size, cfg.get("box_k", 10), calib) if boxes else ExportWrapper(net, calib)).eval()
    with torch.no_grad():
        return [t.numpy() for t in wrap(torch.from_numpy(X).unsqueeze(1))]


if __name__ == "__main__":
    main()
