"""Graft a v1box run's box branch onto its base release's own ONNX graph.

usage: /usr/bin/python3 training/graft_box_head.py --base models/osteon-fracture-1.0.2.onnx --run /tmp/runs/B16 \\
           --out /tmp/runs/B16/model.onnx [--ort-node-modules node_modules]

A frozen-base run (`train.py --arch v1box --freeze-base`) exports its whole network, v1 part included,
from the rebuilt training checkpoint, whose outputs differ from the release's ONNX by up to ~3e-5 in
probability (export_checkpoint.py rebuilds the BatchNorm layers the export had folded). Here the v1 outputs
come from the release's graph itself, unchanged, and only the pyramid and box head (exported alone, fed by the
release's stride-8, -16 and -32 feature tensors) are added, so every v1 output is the release's to the bit.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from model import box_branch_outputs, build_net, decode_boxes  # noqa: E402
from package_model import sha256  # noqa: E402

# The MobileNetV2 feature tensors of a torch-exported v1 release (names from torch.onnx's scopes).
FEATURES = {"f8": "/net/features.6/Add_output_0", "f16": "/net/features.13/Add_output_0",
            "f32": "/net/features.18/features.18.2/Clip_output_0"}
V1_OUTPUTS = ["fracture_prob", "count_probs", "body_part_probs", "heatmap"]


class BoxBranch(nn.Module):
    """The v1box network's pyramid and box head on given features; outputs boxes, box_scores."""

    def __init__(self, net, S, k):
        super().__init__()
        self.net, self.S, self.k = net, S, k

    def forward(self, f8, f16, f32):
        return decode_boxes(box_branch_outputs(self.net, f8, f16, f32), self.S, self.k)


def export_branch(run, path):
    ck = torch.load(os.path.join(run, "model_fp16.pt"), map_location="cpu")
    config = ck["config"]
    if config.get("arch") != "v1box":
        raise SystemExit(f"{run} is not a v1box run")
    net = build_net(config)
    net.load_state_dict(torch.load(os.path.join(run, "model.pt"), map_location="cpu"))
    net.eval()
    S, k = int(config["S"]), int(config.get("box_k", 10))
    g = S // 8
    dummy = (torch.zeros(2, 32, g, g), torch.zeros(2, 96, g // 2, g // 2), torch.zeros(2, 1280, g // 4, g // 4))
    torch.onnx.export(BoxBranch(net, S, k).eval(), dummy, path, opset_version=13, input_names=list(FEATURES),
                      output_names=["boxes", "box_scores"],
                      dynamic_axes={**{name: {0: "N"} for name in FEATURES}, "boxes": {0: "N"}, "box_scores": {0: "N"}})
    return S


def graft(base_path, branch_path):
    base = onnx.load(base_path)
    branch = onnx.compose.add_prefix(onnx.load(branch_path), "boxhead/", rename_inputs=False, rename_outputs=False)
    known = {value.name for value in base.graph.value_info} | {node_out for node in base.graph.node for node_out in node.output}
    for name, tensor in FEATURES.items():
        if tensor not in known:
            raise SystemExit(f"{base_path} has no tensor {tensor}: not a torch-exported v1 release")
    # add_prefix renames the edges that read the graph inputs too: map either spelling to the release's tensor
    feeds = {**FEATURES, **{"boxhead/" + name: tensor for name, tensor in FEATURES.items()}}
    for node in branch.graph.node:
        node.input[:] = [feeds.get(name, name) for name in node.input]
        node.output[:] = [name[len("boxhead/"):] if name in ("boxhead/boxes", "boxhead/box_scores") else name for name in node.output]
    base.graph.node.extend(branch.graph.node)
    base.graph.initializer.extend(branch.graph.initializer)
    for output in branch.graph.output:
        output.name = output.name.replace("boxhead/", "", 1)
        base.graph.output.append(output)
    onnx.checker.check_model(base)
    return base


def run_ort(model, x, modules):
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "x.f32")
        x.astype("<f4").tofile(inp)
        p = subprocess.run(["node", os.path.join(HERE, "ort_check.js"), model, inp, str(x.shape[0]), str(x.shape[-1])],
                           env=dict(os.environ, NODE_PATH=modules), capture_output=True, text=True, timeout=300, check=True)
    out = json.loads(p.stdout)["outputs"]
    return {k: np.array(v["data"], dtype=np.float32).reshape(v["dims"]) for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="the release's ONNX file the run was fine-tuned from (frozen)")
    ap.add_argument("--run", required=True, help="the v1box --freeze-base run folder (model.pt, model_fp16.pt, model.onnx)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ort-node-modules", default=os.path.join(HERE, "..", "node_modules"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        branch_path = os.path.join(tmp, "branch.onnx")
        S = export_branch(a.run, branch_path)
        grafted = graft(a.base, branch_path)
        out_tmp = os.path.join(tmp, "grafted.onnx")
        onnx.save(grafted, out_tmp)
        x = (np.arange(4 * S * S, dtype=np.float64).reshape(4, 1, S, S) * 7919 % 251 / 250).astype(np.float32)
        got = run_ort(out_tmp, x, a.ort_node_modules)
        base = run_ort(a.base, x, a.ort_node_modules)
        whole = run_ort(os.path.join(a.run, "model.onnx"), x, a.ort_node_modules)
        v1_diff = max(float(np.abs(got[k] - base[k]).max()) for k in V1_OUTPUTS)
        box_diff = max(float(np.abs(got[k] - whole[k]).max()) for k in ("boxes", "box_scores"))
        report = {"v1_outputs_max_abs_diff_vs_base": v1_diff, "box_outputs_max_abs_diff_vs_run_export": box_diff}
        print(json.dumps(report))
        if v1_diff != 0.0:
            raise SystemExit("the grafted graph changed a v1 output")
        if box_diff > 1e-3:
            raise SystemExit("the grafted box branch does not reproduce the run's boxes")
        shutil.copyfile(out_tmp, a.out)
    card_path = os.path.join(a.run, "model-card.json")
    if os.path.exists(card_path):
        # the card describes the grafted file: its v1 outputs are the base release's graph
        with open(card_path) as f:
            card = json.load(f)
        card["onnx"]["graft"] = {"base_onnx": os.path.basename(a.base), "base_onnx_sha256": sha256(a.base), **report,
                                 "method": "training/graft_box_head.py: the base release's graph unchanged, plus the run's pyramid "
                                           "and box head exported alone and fed by the base graph's stride-8/16/32 feature tensors",
                                 "file": os.path.basename(a.out)}
        with open(card_path, "w") as f:
            json.dump(card, f, indent=2)


if __name__ == "__main__":
    main()
