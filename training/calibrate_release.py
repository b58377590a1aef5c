"""Calibrate a shipped release without retraining it: Platt (or temperature) scaling of its fracture
probability, fitted on the release's own validation split, built into a copy of its ONNX graph.

usage: /usr/bin/python3 training/calibrate_release.py --data /work/shared/datasets/fracatlas \\
           --evaluation <npm run evaluate JSON of the base release on its validation images> \\
           --version 1.0.2 [--method platt|temperature] [--models models]

The evaluation must be of the active release (same ONNX SHA-256) on exactly the validation image ids
of its card: the engine's own predictions (onnxruntime-node, the engine's preprocessing) are what is
calibrated. Writes models/osteon-fracture-<version>.onnx and .card.json and points current.json at
them. The threshold moves with the probability (the map is monotone), so every decision on every
image is unchanged; only the numbers shown to people change. The ECE reported is cross-fitted
(train.py `calibrate`): fitted on one half of the 20-id groups, measured on the other.
"""
import argparse
import copy
import datetime as dt
import hashlib
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import read_folder  # noqa: E402
from train import calibrate  # noqa: E402

EPS = 1e-7


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
    return np.log(p / (1 - p))


def calibrated_graph(model, a, b):
    """fracture_prob = sigmoid(a * logit(clip(raw)) + b), appended after the original output."""
    graph = model.graph
    raw = "fracture_prob_uncalibrated"
    producers = [node for node in graph.node if "fracture_prob" in node.output]
    if len(producers) != 1:
        raise SystemExit("expected exactly one node producing fracture_prob")
    node = producers[0]
    node.output[list(node.output).index("fracture_prob")] = raw
    constants = {
        "calib_eps": EPS, "calib_one_minus_eps": 1 - EPS, "calib_one": 1.0, "calib_a": a, "calib_b": b,
    }
    for name, value in constants.items():
        graph.initializer.append(numpy_helper.from_array(np.array(value, dtype=np.float32), name))
    graph.node.extend([
        helper.make_node("Clip", [raw, "calib_eps", "calib_one_minus_eps"], ["calib_p"]),
        helper.make_node("Sub", ["calib_one", "calib_p"], ["calib_q"]),
        helper.make_node("Div", ["calib_p", "calib_q"], ["calib_odds"]),
        helper.make_node("Log", ["calib_odds"], ["calib_logit"]),
        helper.make_node("Mul", ["calib_logit", "calib_a"], ["calib_scaled"]),
        helper.make_node("Add", ["calib_scaled", "calib_b"], ["calib_shifted"]),
        helper.make_node("Sigmoid", ["calib_shifted"], ["fracture_prob"]),
    ])
    for output in graph.output:
        if output.name == "fracture_prob":
            output.type.tensor_type.elem_type = TensorProto.FLOAT
    onnx.checker.check_model(model)
    return model


def engine_evaluation(models_dir, path):
    """The active release of a models folder, its card, and the engine's predictions of it (npm run evaluate)
    on exactly the card's validation images, in the card's order."""
    current = json.load(open(os.path.join(models_dir, "current.json")))
    card = json.load(open(os.path.join(models_dir, current["card"])))
    evaluation = json.load(open(path))
    if evaluation["modelSha256"] != current["sha256"]:
        raise SystemExit("the evaluation is not of the active model file")
    val_ids = card["validation"]["split"]["val_image_ids"]
    probability = {p["imageId"]: p["fractureProbability"] for p in evaluation["predictions"]}
    if sorted(probability) != sorted(val_ids):
        raise SystemExit("the evaluation must cover exactly the card's validation images")
    return current, card, evaluation, [probability[i] for i in val_ids]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--evaluation", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--method", default="platt", choices=["platt", "temperature"])
    ap.add_argument("--models", default=os.path.join(HERE, "..", "models"))
    args = ap.parse_args()

    current, card, evaluation, _ = engine_evaluation(args.models, args.evaluation)
    if card.get("calibration", {}).get("method", "none") != "none":
        raise SystemExit(f"{card['version']} is calibrated already")
    val_ids = card["validation"]["split"]["val_image_ids"]
    probability = {p["imageId"]: p["fractureProbability"] for p in evaluation["predictions"]}

    by_id = {row["image_id"]: row for row in read_folder(args.data)}
    rows = [by_id[i] for i in val_ids]
    z = logit([probability[i] for i in val_ids])
    a, b, report = calibrate(rows, {"fracture_logit": z}, args.method)
    if not a > 0:
        raise SystemExit(f"calibration slope {a} is not positive: the map would not be monotone")
    y = np.array([row["fractured"] for row in rows])
    calibrated = 1 / (1 + np.exp(-(a * z + b)))
    from detection import ece  # noqa: E402
    in_sample, diagram = ece(y, calibrated, 10)

    old_threshold = card["threshold"]["value"]
    threshold = float(1 / (1 + math.exp(-(a * float(logit(old_threshold)) + b))))
    flagged_before = sum(probability[i] >= old_threshold for i in val_ids)
    flagged_after = int((calibrated >= threshold).sum())
    if flagged_before != flagged_after:
        raise SystemExit(f"decisions changed on validation ({flagged_before} vs {flagged_after} flagged)")

    base_file = os.path.join(args.models, current["model"])
    out_name = f"osteon-fracture-{args.version}.onnx"
    model = calibrated_graph(onnx.load(base_file), a, b)
    onnx.save(model, os.path.join(args.models, out_name))
    data = open(os.path.join(args.models, out_name), "rb").read()
    sha = hashlib.sha256(data).hexdigest()

    new = copy.deepcopy(card)
    new["version"] = args.version
    new["createdAt"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    new["derivedFrom"] = {
        "version": card["version"],
        "change": f"fracture_prob calibrated ({args.method} scaling fitted on the validation split, built into the ONNX graph); "
                  "threshold moved with it, so every decision is unchanged; same network and weights",
    }
    new["calibration"] = {**report, "fitted_on": f"validation split of {card['version']} ({len(val_ids)} images), "
                          "the engine's own predictions (npm run evaluate, onnxruntime-node)"}
    new["threshold"] = {
        **card["threshold"],
        "value": threshold,
        "uncalibrated_value": old_threshold,
        "note": card["threshold"].get("note", "") + f"; calibrated: sigmoid(a * logit({old_threshold:.6f}) + b)",
    }
    new["validation"]["metrics"]["threshold"] = threshold
    new["validation"]["metrics"]["calibration"] = {"ece_10_bins": in_sample, "reliability_diagram": diagram}
    for output in new["outputs"]:
        if output["name"] == "fracture_prob":
            output["meaning"] = f"probability a fracture is present (calibrated: {args.method} scaling, see calibration)"
    # The training checkpoint is the same network's (calibration sits after it in the graph): still the card's.
    new["files"] = {"onnx": out_name, "onnx_sha256": sha, "onnx_bytes": len(data),
                    **{k: v for k, v in card.get("files", {}).items() if k.startswith("checkpoint")}}
    new["reproduce"] = (
        card["reproduce"]
        + f" && npm run evaluate -- --images <validation images> --labels <their labels.csv> --json eval.json"
        + f" && /usr/bin/python3 training/calibrate_release.py --data <fracatlas> --evaluation eval.json --version {args.version}"
    )
    card_name = f"osteon-fracture-{args.version}.card.json"
    json.dump(new, open(os.path.join(args.models, card_name), "w"), indent=1)
    json.dump({**current, "version": args.version, "model": out_name, "card": card_name, "sha256": sha, "threshold": threshold},
              open(os.path.join(args.models, "current.json"), "w"), indent=2)
    print(json.dumps({"a": a, "b": b, "temperature": report["temperature"], "threshold": threshold,
                      "ece_uncalibrated": report["ece_uncalibrated"], "ece_crossfit": report["ece_calibrated_crossfit"],
                      "ece_in_sample": in_sample, "flagged": flagged_after, "onnx_sha256": sha}, indent=1))


if __name__ == "__main__":
    main()
