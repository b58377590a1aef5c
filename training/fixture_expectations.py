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
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from detection import square_to_image  # noqa: E402
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
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "x.f32")
        X.astype("<f4").tofile(inp)
        p = subprocess.run(["node", os.path.join(HERE, "ort_check.js"), os.path.join(a.models, cur["model"]), inp, str(len(X)), str(S)],
                           env=dict(os.environ, NODE_PATH=a.ort_node_modules), capture_output=True, text=True, check=True)
    out = json.loads(p.stdout)["outputs"]
    arr = {k: np.array(v["data"], dtype=np.float32).reshape(v["dims"]) for k, v in out.items()}
    torch_diff = None
    ck = (card.get("files") or {}).get("checkpoint")
    ensemble = card.get("architecture", {}).get("ensemble")
    if ck and ensemble:
        # An averaged release's checkpoint is member A's: held to member A's part of the graph.
        torch_diff = member_a_checkpoint_diff(a, cur, card, ck, labels)
    elif ck:
        import torch
        from model import DetExportWrapper, ExportWrapper, build_net
        from train import load_checkpoint
        cfg, sd = load_checkpoint(os.path.join(a.models, ck))
        net = build_net(cfg).eval()
        net.load_state_dict(sd)
        cal = card.get("calibration") or {}
        calib = (cal.get("a", 1.0), cal.get("b", 0.0))
        boxes = cfg.get("arch") in ("det", "v1box")
        wrap = (DetExportWrapper(net, S, cfg.get("box_k", 10), calib) if boxes else ExportWrapper(net, calib)).eval()
        with torch.no_grad():
            ref = [t.numpy() for t in wrap(torch.from_numpy(X).unsqueeze(1))]
        names = [o["name"] for o in card["outputs"]]
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


def member_a_checkpoint_diff(a, cur, card, ck, labels):
    import onnx
    import torch
    from ensemble_release import member, member_size
    from model import DetExportWrapper, ExportWrapper, build_net
    from train import load_checkpoint
    graph = onnx.load(os.path.join(a.models, cur["model"]))
    size = member_size(graph, "a/")
    names = [o["name"] for o in card["outputs"]]
    X = np.stack([preprocess_array(load_grey(os.path.join(a.fixtures, "images", r["image_id"])), size)[0] for r in labels])
    X = X.astype(np.float32)
    cfg, sd = load_checkpoint(os.path.join(a.models, ck))
    net = build_net(cfg).eval()
    net.load_state_dict(sd)
    members = card["architecture"]["ensemble"]["members"]
    cal = members[0].get("calibration") or {}
    calib = (1.0, 0.0) if cal.get("a") is None else (cal["a"], cal["b"])
    boxes = cfg.get("arch") in ("det", "v1box")
    wrap = (DetExportWrapper(net, size, cfg.get("box_k", 10), calib) if boxes else ExportWrapper(net, calib)).eval()
    with torch.no_grad():
        ref = [t.numpy() for t in wrap(torch.from_numpy(X).unsqueeze(1))]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "member-a.onnx")
        onnx.save(member(graph, "a/", names), path)
        inp = os.path.join(tmp, "x.f32")
        X.astype("<f4").tofile(inp)
        p = subprocess.run(["node", os.path.join(HERE, "ort_check.js"), path, inp, str(len(X)), str(size)],
                           env=dict(os.environ, NODE_PATH=a.ort_node_modules), capture_output=True, text=True, check=True)
    out = json.loads(p.stdout)["outputs"]
    return {n: float(np.abs(np.array(out[n]["data"], dtype=np.float32).reshape(r.shape) - r).max()) for n, r in zip(names, ref)}


if __name__ == "__main__":
    main()
