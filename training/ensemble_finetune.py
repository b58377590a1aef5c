"""A fine-tune of an averaged release (training/ensemble_release.py) ends as an averaged graph again.

train.py fine-tunes the release's checkpoint, which is member A's (the network with the heat map and boxes).
Shipping that network alone would swap the averaged release for one of its halves, so the candidate is
the retrained member averaged with the release's member B, unchanged; Platt scaling and the threshold are
refitted on the fine-tune's validation images with the averaged graph in onnxruntime-node, and the card's
validation numbers are that graph's.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx

BATCH = 32


def is_ensemble(card):
    return bool((card or {}).get("architecture", {}).get("ensemble"))


def run_onnx(path, X, size, ort_node_modules):
    """Every output of the graph on X [N, S, S], through onnxruntime-node (training/ort_check.js) in batches."""
    env = dict(os.environ, NODE_PATH=ort_node_modules)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort_check.js")
    parts = {}
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "batch.f32")
        for start in range(0, len(X), BATCH):
            batch = np.asarray(X[start:start + BATCH], dtype="<f4")
            batch.tofile(inp)
            p = subprocess.run(["node", script, path, inp, str(len(batch)), str(size)],
                               env=env, capture_output=True, text=True, timeout=600, check=True)
            for name, out in json.loads(p.stdout)["outputs"].items():
                parts.setdefault(name, []).append(np.array(out["data"], dtype=np.float32).reshape(out["dims"]))
    return {name: np.concatenate(chunks) for name, chunks in parts.items()}


def reaverage(a, card0, card, vrows, hws, onnx_path, fns):
    """Replace the run's model.onnx and card by the retrained member averaged with the release's member B.
    `fns`: train.py's load_tensors, calibrate, evaluate and summarize (shared with every run there)."""
    from calibrate_release import calibrated_graph  # it imports train.py, which imports this module
    from ensemble_release import EPS, ensemble_graph, member, member_size

    # The averaged graph is validated in onnxruntime-node: the repository's own unless told otherwise.
    modules = a.ort_node_modules or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node_modules")
    if not os.path.isdir(os.path.join(modules, "onnxruntime-node")):
        raise SystemExit(f"fine-tuning an averaged release needs onnxruntime-node (--ort-node-modules; none in {modules})")
    with open(os.path.join(a.finetune_from, "current.json")) as f:
        release = onnx.load(os.path.join(a.finetune_from, json.load(f)["model"]))
    size_b = member_size(release, "b/")
    size = max(a.size, size_b)
    member_a = os.path.join(a.out, "member-a.onnx")
    os.replace(onnx_path, member_a)
    averaged = ensemble_graph(onnx.load(member_a), member(release, "b/"), a.size, size_b)
    uncalibrated = os.path.join(a.out, "ensemble-uncalibrated.onnx")
    onnx.save(averaged, uncalibrated)

    X, _ = fns["load_tensors"](vrows, size, a.cache_dir or None)
    out = run_onnx(uncalibrated, X, size, modules)
    os.remove(uncalibrated)
    p = np.clip(out["fracture_prob"].astype(np.float64), EPS, 1 - EPS)
    z = np.log(p / (1 - p))
    pv = {"fracture_logit": z, "count": out["count_probs"], "parts": out["body_part_probs"], "heat": out["heatmap"]}
    if "boxes" in out:
        pv.update(boxes=out["boxes"], box_scores=out["box_scores"])
    ca, cb, calib_rep = fns["calibrate"](vrows, pv, "platt")
    pv["fracture"] = 1 / (1 + np.exp(-(ca * z + cb)))
    res = fns["evaluate"](vrows, hws, pv, None, a.sens_target, peak_method=a.peak_method)
    res["evaluation_split"] = card["validation"]["metrics"].get("evaluation_split", "validation")
    onnx.save(calibrated_graph(averaged, ca, cb), onnx_path)

    ensemble0 = card0["architecture"]["ensemble"]
    card["preprocessing"]["S"] = size
    card["preprocessing"]["tensor"] = f"[N, 1, {size}, {size}] float32, NCHW"
    card["inputs"][0]["shape"] = ["N", 1, size, size]
    card["architecture"]["ensemble"] = {
        **ensemble0,
        "members": [{**ensemble0["members"][0], "version": f"{card['version']} (member A: {card0['version']}'s fine-tuned)",
                     "S": a.size, "onnx_sha256": None,
                     "calibration": {k: card["calibration"].get(k) for k in ("method", "a", "b")}},
                    ensemble0["members"][1]],
    }
    card["calibration"] = {**calib_rep, "fitted_on": f"{res['evaluation_split']} split, the averaged graph in onnxruntime-node"}
    card["threshold"] = {**card["threshold"], "value": res["threshold"]}
    card["validation"]["metrics"] = res
    card["validation"]["summary"] = fns["summarize"](res)
    card["onnx"]["parity_check"] = {"checked": False, "member_a": card["onnx"]["parity_check"],
                                    "reason": "an averaged graph: member A was checked against PyTorch (member_a); the "
                                              "validation numbers are the averaged graph's own, in onnxruntime-node"}
    card["derivedFrom"] = {"version": card0["version"], "how": "member A fine-tuned, then averaged again with the release's member B"}
    return card
