"""Average two released networks into one ONNX model (issue 18: "several models averaged").

usage:
  /usr/bin/python3 training/ensemble_release.py build --a-models models --b-run /tmp/runs/M384 \\
      --out <new models dir> --version 2.1.0-uncalibrated
  npm run evaluate -- ... --models <new models dir> --json eval.json     (the validation images)
  /usr/bin/python3 training/ensemble_release.py threshold --models <new models dir> --data <fracatlas> \\
      --evaluation eval.json
  /usr/bin/python3 training/calibrate_release.py --models <new models dir> --data <fracatlas> \\
      --evaluation eval.json --version 2.1.0
  npm run evaluate -- ... --models <new models dir> --json final.json
  /usr/bin/python3 training/ensemble_release.py record --models <new models dir> --evaluation final.json

The graph takes the larger member's input size. Member A (the active release, which has the heat map
and the boxes) gets an area-resampled copy at its own size, made in the graph (nearest upsampling by
an integer, then an average pool), so one preprocessed image feeds both. The fracture logit is the
mean of the members' logits (of their calibrated probabilities), left uncalibrated here: its Platt
scaling is fitted afterwards on the engine's own predictions (calibrate_release.py), as for 1.0.2.
Count and body-part probabilities are the members' mean; heat map, boxes and box scores are A's.

The card names member A's training checkpoint: the learning loop fine-tunes member A, and train.py then
averages the retrained member with member B again (training/ensemble_finetune.py), so a candidate is an
averaged graph like the release it would replace.
"""
import argparse
import copy
import datetime as dt
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import compose, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import read_folder  # noqa: E402
from metrics import threshold_for_sensitivity  # noqa: E402
from package_model import sha256  # noqa: E402

EPS = 1e-7
AVERAGED = ("count_probs", "body_part_probs")
FROM_A = ("heatmap", "boxes", "box_scores")


def active(models_dir):
    current = json.load(open(os.path.join(models_dir, "current.json")))
    card = json.load(open(os.path.join(models_dir, current["card"])))
    return current, card


def resample_factors(size_out, size_in):
    """Integers (up, pool) with size_in * up / pool == size_out: nearest up, then average pool."""
    for up in range(1, 17):
        if (size_in * up) % size_out == 0:
            return up, size_in * up // size_out
    raise SystemExit(f"no small integer area resampling from {size_in} to {size_out}")


def logit_nodes(prob, prefix):
    return [
        helper.make_node("Clip", [prob, "ens_eps", "ens_one_minus_eps"], [f"{prefix}_p"]),
        helper.make_node("Sub", ["ens_one", f"{prefix}_p"], [f"{prefix}_q"]),
        helper.make_node("Div", [f"{prefix}_p", f"{prefix}_q"], [f"{prefix}_odds"]),
        helper.make_node("Log", [f"{prefix}_odds"], [f"{prefix}_logit"]),
    ]


def ensemble_graph(model_a, model_b, size_a, size_b):
    opset = max(o.version for o in model_a.opset_import if o.domain in ("", "ai.onnx"))
    opset = max(opset, max(o.version for o in model_b.opset_import if o.domain in ("", "ai.onnx")), 13)
    for m in (model_a, model_b):
        del m.opset_import[:]
        m.opset_import.extend([helper.make_opsetid("", opset)])
        m.ir_version = max(model_a.ir_version, model_b.ir_version)
    a = compose.add_prefix(model_a, "a/")
    b = compose.add_prefix(model_b, "b/")
    size = max(size_a, size_b)
    outputs_a = {o.name[2:] for o in a.graph.output}
    nodes, inits = [], []

    def feed(member_input, member_size):
        if member_size == size:
            nodes.append(helper.make_node("Identity", ["image"], [member_input]))
            return
        up, pool = resample_factors(member_size, size)
        inits.append(numpy_helper.from_array(np.array([1, 1, up, up], dtype=np.float32), f"{member_input}_scales"))
        nodes.append(helper.make_node("Resize", ["image", "", f"{member_input}_scales"], [f"{member_input}_up"],
                                      mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
        nodes.append(helper.make_node("AveragePool", [f"{member_input}_up"], [member_input],
                                      kernel_shape=[pool, pool], strides=[pool, pool]))

    feed(a.graph.input[0].name, size_a)
    feed(b.graph.input[0].name, size_b)
    for name, value in {"ens_eps": EPS, "ens_one_minus_eps": 1 - EPS, "ens_one": 1.0, "ens_half": 0.5}.items():
        inits.append(numpy_helper.from_array(np.array(value, dtype=np.float32), name))
    body = list(a.graph.node) + list(b.graph.node)
    tail = logit_nodes("a/fracture_prob", "ens_a") + logit_nodes("b/fracture_prob", "ens_b") + [
        helper.make_node("Add", ["ens_a_logit", "ens_b_logit"], ["ens_logit_sum"]),
        helper.make_node("Mul", ["ens_logit_sum", "ens_half"], ["ens_logit"]),
        helper.make_node("Sigmoid", ["ens_logit"], ["fracture_prob"]),
    ]
    for name in AVERAGED:
        tail += [helper.make_node("Add", [f"a/{name}", f"b/{name}"], [f"ens_{name}_sum"]),
                 helper.make_node("Mul", [f"ens_{name}_sum", "ens_half"], [name])]
    kept = [name for name in FROM_A if name in outputs_a]
    tail += [helper.make_node("Identity", [f"a/{name}"], [name]) for name in kept]

    by_name = {o.name: o for o in list(a.graph.output) + list(b.graph.output)}
    outputs = []
    for name in ("fracture_prob", *AVERAGED, *kept):
        out = copy.deepcopy(by_name[f"a/{name}"])
        out.name = name
        outputs.append(out)
    image = copy.deepcopy(model_a.graph.input[0])
    image.name = "image"
    dims = image.type.tensor_type.shape.dim
    dims[2].dim_value = size
    dims[3].dim_value = size
    graph = helper.make_graph(nodes + body + tail, "osteon-ensemble", [image], outputs,
                              initializer=inits + list(a.graph.initializer) + list(b.graph.initializer))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = max(model_a.ir_version, model_b.ir_version)
    onnx.checker.check_model(model)
    return model


def member(model, prefix, names=("fracture_prob", *AVERAGED)):
    """One member's own graph back out of an ensemble (prefix "a/" or "b/"): the nodes and weights the named
    outputs need, names unprefixed; its input is the member's own (resampled) image."""
    strip = lambda name: name[len(prefix):] if name.startswith(prefix) else name  # noqa: E731
    feed = f"{prefix}image"
    nodes = [copy.deepcopy(n) for n in model.graph.node
             if n.output and all(o.startswith(prefix) for o in n.output) and feed not in n.output]
    producer = {o: n for n in nodes for o in n.output}
    if f"{prefix}fracture_prob" not in producer:
        raise SystemExit(f"the ensemble has no member {prefix!r}")
    needed, todo = set(), [f"{prefix}{name}" for name in names]
    while todo:
        node = producer.get(todo.pop())
        if node is not None and id(node) not in needed:
            needed.add(id(node))
            todo.extend(node.input)
    nodes = [n for n in nodes if id(n) in needed]
    used = {i for n in nodes for i in n.input}
    inits = [copy.deepcopy(i) for i in model.graph.initializer if i.name in used]
    for node in nodes:
        node.input[:] = [strip(i) for i in node.input]
        node.output[:] = [strip(o) for o in node.output]
        node.name = strip(node.name)
    for init in inits:
        init.name = strip(init.name)
    types = {o.name: o for o in model.graph.output}
    outputs = [copy.deepcopy(types[name]) for name in names]
    image = copy.deepcopy(model.graph.input[0])
    size = member_size(model, prefix)
    image.type.tensor_type.shape.dim[2].dim_value = size
    image.type.tensor_type.shape.dim[3].dim_value = size
    for out in outputs:  # the heat map keeps its own grid; only the batch is symbolic
        out.name = strip(out.name)
    graph = helper.make_graph(nodes, "osteon-member", [image], outputs, initializer=inits)
    out = helper.make_model(graph, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    return out


def member_size(model, prefix):
    """The input side a member sees: the graph's, or its resampled copy's (scales up, pool down)."""
    size = model.graph.input[0].type.tensor_type.shape.dim[2].dim_value
    scales = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}.get(f"{prefix}image_scales")
    if scales is None:
        return size
    pool = next(n for n in model.graph.node if n.output and n.output[0] == f"{prefix}image")
    kernel = next(att.ints[0] for att in pool.attribute if att.name == "kernel_shape")
    return int(size * int(scales[2]) // kernel)


def build(args):
    current_a, card_a = active(args.a_models)
    card_b = json.load(open(os.path.join(args.b_run, "model-card.json")))
    size_a, size_b = int(card_a["preprocessing"]["S"]), int(card_b["preprocessing"]["S"])
    if card_a["validation"]["split"]["val_image_ids"] != card_b["validation"]["split"]["val_image_ids"]:
        raise SystemExit("the members must share one validation split (neither trained on it)")
    model = ensemble_graph(onnx.load(os.path.join(args.a_models, current_a["model"])),
                           onnx.load(os.path.join(args.b_run, "model.onnx")), size_a, size_b)
    os.makedirs(args.out, exist_ok=True)
    name = f"osteon-fracture-{args.version}.onnx"
    path = os.path.join(args.out, name)
    onnx.save(model, path)
    size = max(size_a, size_b)

    card = copy.deepcopy(card_a)
    card["version"] = args.version
    card["createdAt"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    card["preprocessing"] = {**card_a["preprocessing"], "S": size,
                             "tensor": f"[N, 1, {size}, {size}] float32, NCHW"}
    card["inputs"] = [{**card_a["inputs"][0], "shape": ["N", 1, size, size]}]
    card["architecture"]["ensemble"] = {
        "members": [
            {"version": card_a["version"], "S": size_a, "onnx_sha256": current_a.get("sha256"),
             "calibration": {k: card_a.get("calibration", {}).get(k) for k in ("method", "a", "b")},
             "input": f"area-resampled in the graph from {size} px (nearest x{resample_factors(size_a, size)[0]}, "
                      f"average pool {resample_factors(size_a, size)[1]})" if size_a != size else "the graph's input"},
            {"version": card_b["version"], "S": size_b, "onnx_sha256": sha256(os.path.join(args.b_run, "model.onnx")),
             "input": "the graph's input" if size_b == size else "area-resampled in the graph",
             "trainingData": card_b.get("trainingData"), "command": card_b.get("trainingData", {}).get("command")},
        ],
        "fracture": "sigmoid(a * mean(logit(member fracture_prob)) + b); a, b in calibration",
        "count_probs": "mean of the members' count_probs",
        "body_part_probs": "mean of the members' body_part_probs",
        "heatmap_and_boxes": f"member {card_a['version']}'s",
    }
    card["calibration"] = {"method": "none", "note": "fitted next on the engine's predictions (calibrate_release.py)"}
    card["derivedFrom"] = {"version": card_a["version"],
                           "how": f"{card_a['version']} and {card_b['version']} averaged in one graph (training/ensemble_release.py)"}
    card["files"] = {"onnx": name, "onnx_sha256": sha256(path), "onnx_bytes": os.path.getsize(path)}
    checkpoint = card_a.get("files", {}).get("checkpoint")
    if checkpoint:
        # Member A's: the learning loop fine-tunes it and averages it with member B again (ensemble_finetune.py).
        card["files"].update({k: v for k, v in card_a["files"].items() if k.startswith("checkpoint")})
        if os.path.abspath(args.out) != os.path.abspath(args.a_models):
            shutil.copyfile(os.path.join(args.a_models, checkpoint), os.path.join(args.out, checkpoint))
    card["threshold"] = {"value": 0.5, "note": "placeholder until `threshold` sets it from the engine's predictions"}
    card["reproduce"] = (f"{card_a.get('reproduce', '')} ; member B: {card_b.get('trainingData', {}).get('command', '')} ; "
                         f"/usr/bin/python3 training/ensemble_release.py build --a-models models --b-run <member B run> "
                         f"--out <dir> --version {args.version}")
    card_name = f"osteon-fracture-{args.version}.card.json"
    json.dump(card, open(os.path.join(args.out, card_name), "w"), indent=1)
    json.dump({"version": args.version, "model": name, "card": card_name, "sha256": card["files"]["onnx_sha256"],
               "inputSize": size, "threshold": 0.5, "outputs": [o.name for o in model.graph.output]},
              open(os.path.join(args.out, "current.json"), "w"), indent=2)
    print(json.dumps({"onnx": path, "bytes": os.path.getsize(path), "size": size}))


ENGINE_SUMMARY = ("n", "nFractured", "auroc", "prAuc", "sensitivity", "specificity", "confusion", "auroc_noHardware", "ece",
                  "countMacroF1", "count2PlusRecall", "bodyPartAccuracy", "pointingGame", "pointingGameRule", "ap50",
                  "auroc_hand", "auroc_leg", "auroc_hip", "auroc_shoulder")


def record(card, evaluation):
    """The card's validation numbers are the engine's evaluation of this graph, not a member's."""
    metrics = card["validation"]["metrics"]
    card["validation"]["metrics"] = {
        **{k: metrics[k] for k in ("body_part", "count", "threshold", "sensitivity_target", "calibration") if k in metrics},
        "engine_evaluation": {k: evaluation[k] for k in ENGINE_SUMMARY if k in evaluation},
    }
    card["validation"]["summary"] = {k: evaluation[k] for k in ENGINE_SUMMARY if k in evaluation}
    card["validation"]["note"] = "npm run evaluate of this graph on the validation split (the engine's own predictions)"
    card["validation"].pop("extra", None)


def threshold(args):
    """The operating point of the uncalibrated ensemble on the engine's validation predictions."""
    from calibrate_release import engine_evaluation  # it imports train.py (torch); build does not need it
    current, card, evaluation, p = engine_evaluation(args.models, args.evaluation)
    by_id = {row["image_id"]: row for row in read_folder(args.data)}
    y = np.array([by_id[i]["fractured"] for i in card["validation"]["split"]["val_image_ids"]])
    p = np.array(p)
    t = threshold_for_sensitivity(y, p, args.sens_target)
    card["threshold"] = {"value": t, "sensitivity_target": args.sens_target,
                         "rule": "largest threshold on fracture_prob giving validation sensitivity >= target, halfway to the "
                                 "next lower score; flag fracture when fracture_prob >= value",
                         "note": "chosen on the engine's predictions of the uncalibrated ensemble"}
    card["validation"]["metrics"]["threshold"] = t
    record(card, evaluation)
    json.dump(card, open(os.path.join(args.models, current["card"]), "w"), indent=1)
    json.dump({**current, "threshold": t}, open(os.path.join(args.models, "current.json"), "w"), indent=2)
    print(json.dumps({"threshold": t, "flagged": int((p >= t).sum()), "auroc": evaluation["auroc"]}))


def record_final(args):
    """After calibration: the card keeps the engine's evaluation of the calibrated graph; MODEL_CARD.md follows it."""
    from calibrate_release import engine_evaluation
    current, card, evaluation, _ = engine_evaluation(args.models, args.evaluation)
    record(card, evaluation)
    json.dump(card, open(os.path.join(args.models, current["card"]), "w"), indent=1)
    with open(os.path.join(args.models, "MODEL_CARD.md"), "w") as f:
        f.write(model_card_markdown(card, current["card"].removesuffix(".card.json")))
    print(json.dumps(card["validation"]["summary"]))


def model_card_markdown(card, base):
    from package_model import calibration_markdown, fmt  # noqa: E402
    e = card["architecture"]["ensemble"]
    v = card["validation"]["summary"]
    S = card["preprocessing"]["S"]
    members = "\n".join(f"  - {m['version']} at {m['S']} px ({m['input']})" for m in e["members"])
    confusion = v.get("confusion", {})
    return f"""# Osteon fracture model — `{base}`

Generated from `{base}.card.json` (the machine-readable card). Active version: see `current.json`.

**What it is:** two networks averaged in one ONNX graph ({card['files']['onnx_bytes'] / 1e6:.1f} MB,
`training/ensemble_release.py`). It takes one greyscale radiograph and returns the probability of a fracture, a
fracture-count class (0 / 1 / 2+), body-part probabilities, fracture boxes with scores and a coarse heat map. It is a
triage / decision-support hint for emergency X-ray, **not a diagnosis**; every film must still be read by a clinician.
- Members:
{members}
- `fracture_prob`: {e['fracture']}. `count_probs`, `body_part_probs`: the members' mean. `heatmap`, `boxes`,
  `box_scores`: {e['heatmap_and_boxes']}, as its own card describes.
- `image` float32 `[N,1,{S},{S}]`, values 0..1: grey 0..255 -> zero-pad to a centred square -> adaptive-average-pool to
  {S}x{S} -> /255 (card `preprocessing`, `training/preprocess.py`).
- Operating point: flag a fracture when `fracture_prob >= {card['threshold']['value']:.4f}` (chosen on validation for
  sensitivity >= {card['threshold'].get('sensitivity_target', 0.9):.2f}).
- Training checkpoint `{card['files'].get('checkpoint', 'none')}`: member A's. Retraining fine-tunes it and averages
  the result with member B again (`training/ensemble_finetune.py`).

## Validation (FracAtlas, {v.get('n')} images, {v.get('nFractured')} fractured; the engine's own predictions, `npm run evaluate`)
| | |
|---|---|
| ROC-AUC | {fmt(v.get('auroc'))} (without hardware=1: {fmt(v.get('auroc_noHardware'))}) |
| sensitivity / specificity at threshold | {fmt(v.get('sensitivity'))} / {fmt(v.get('specificity'))} (TP {confusion.get('tp')}, FP {confusion.get('fp')}, TN {confusion.get('tn')}, FN {confusion.get('fn')}) |
| ROC-AUC hand / leg / hip / shoulder | {fmt(v.get('auroc_hand'))} / {fmt(v.get('auroc_leg'))} / {fmt(v.get('auroc_hip'))} / {fmt(v.get('auroc_shoulder'))} |
| expected calibration error (10 bins) | {fmt(v.get('ece'))} |
| count 0/1/2+ macro-F1; recall of 2+ | {fmt(v.get('countMacroF1'))}; {fmt(v.get('count2PlusRecall'))} |
| body part accuracy | {fmt(v.get('bodyPartAccuracy'))} |
| top box centre inside a fracture box | {fmt(v.get('pointingGame'))} ({v.get('pointingGameRule')}) |
| AP50 of boxes, normal images included | {fmt(v.get('ap50'))} |

These are validation numbers (the threshold and the calibration were fixed on this split); an independent FracAtlas
hold-out is evaluated separately by the project.
{calibration_markdown(card['calibration'], card['validation']['metrics'])}
## Known limits
""" + "\n".join(f"- {x}" for x in card["knownLimits"]) + f"""

## Data and licences
- Trained on FracAtlas, CC BY 4.0: {card['trainingData']['citation']} Data: {card['trainingData']['data_doi']}
- Initial backbone weights: {card['trainingData']['initialWeights']}.
- Reproduce: see `training/README.md` and the card's `reproduce`.
"""


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--a-models", required=True)
    b.add_argument("--b-run", required=True, help="train.py run folder: model.onnx + model-card.json")
    b.add_argument("--out", required=True)
    b.add_argument("--version", required=True)
    t = sub.add_parser("threshold")
    t.add_argument("--models", required=True)
    t.add_argument("--data", required=True)
    t.add_argument("--evaluation", required=True)
    t.add_argument("--sens-target", type=float, default=0.90)
    r = sub.add_parser("record")
    r.add_argument("--models", required=True)
    r.add_argument("--evaluation", required=True)
    args = ap.parse_args()
    {"build": build, "threshold": threshold, "record": record_final}[args.command](args)


if __name__ == "__main__":
    main()
