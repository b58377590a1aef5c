#!/usr/bin/env python3
"""Osteon fracture model trainer.

Two architectures:
  v1   multi-task MobileNetV2 with a box-supervised heat map (releases 1.0.x)
  det  model 2: MobileNetV2 + light feature pyramid + anchor-free (CenterNet-style) box head at
       stride 8, next to the fracture / count / body-part heads; calibrated fracture probability
       (Platt scaling fitted on the evaluation split) and in-graph box decoding in the ONNX file
  v1box  a v1 network with det's pyramid and box head on its features (heat map kept); with
       --finetune-from <v1 release> --freeze-base only the box branch trains, so every v1 output
       stays the release's own (and its calibration is kept)

Examples (see training/README.md for the shipped model's exact command):
  /usr/bin/python3 training/train.py --data /work/shared/datasets/fracatlas --out /tmp/run \
      --arch det --init training/.cache/mobilenet_v2_nsfwjs.pt --size 384 --epochs 12 --seed 42
Fine-tune the active model (the learning loop's default; {active} = a models folder with current.json):
  /usr/bin/python3 training/train.py --data EXPORT --data FRACATLAS --out RUN --finetune-from models --epochs 3 --lr 3e-4
Smoke (CI):
  /usr/bin/python3 training/train.py --data test/fixtures/fracatlas --out /tmp/x --epochs 1 --size 64 --max-images 20
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from data import BODY_PARTS, read_folder, split_groups, load_tensors, group_key  # noqa: E402
from model import OsteonNet, ExportWrapper, DetExportWrapper, DET_DEFAULTS, build_net, load_init, decode_boxes  # noqa: E402
from peaks import ENGINE_METHODS, peak_point  # noqa: E402
from metrics import (binary_summary, threshold_for_sensitivity, confusion_and_f1, roc_auc)  # noqa: E402
from preprocess import letterbox_geometry  # noqa: E402
from ensemble_finetune import is_ensemble, reaverage  # noqa: E402
from detection import (make_targets, focal_heat_loss, box_losses, average_precision_50, top_box_pointing,  # noqa: E402
                       square_to_image, yolo_to_xyxy, ece, fit_platt, fit_temperature, logit)

GROUP_BLOCK = 20
V1_OUTPUTS = ["fracture_prob", "count_probs", "body_part_probs", "heatmap"]
DET_OUTPUTS = V1_OUTPUTS + ["boxes", "box_scores"]
CHECKPOINT_FORMAT = "osteon-checkpoint-1"


def log(msg):
    print(f"[{dt.datetime.utcnow().strftime('%H:%M:%S')}] {msg}", flush=True)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, help="folder with images/ + labels.csv (+ boxes.csv); repeatable")
    ap.add_argument("--out", required=True)
    ap.add_argument("--arch", default="v1", choices=["v1", "det", "v1box"],
                    help="v1 = releases 1.0.x; det = model 2 with the box head; v1box = v1 + det's box head")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--size", type=int, default=None,
                    help="input side S (multiple of 32); default 256, or the checkpoint's S for a fine-tune")
    ap.add_argument("--init", default=None, help="converted nsfwjs MobileNetV2 .pt (convert_nsfwjs.py); omit = from scratch")
    ap.add_argument("--finetune-from", default=None,
                    help="a models folder (current.json + card + checkpoint, e.g. the repository's models/): start from its "
                         "active model's training checkpoint (architecture and input size follow the checkpoint)")
    ap.add_argument("--freeze-base", action="store_true",
                    help="v1box: train only the box branch; the v1 network (and the starting release's calibration) stay as they are")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--first-data-share", type=float, default=0.0,
                    help="repeat the training images of the first --data folder (in the learning loop: the doctors' labels) so "
                         "they make up at least this share of every epoch (at most 20 copies; 0 = no repetition)")
    ap.add_argument("--init-seed", type=int, default=None, help="seed for the new layers' random init (default: --seed)")
    ap.add_argument("--split-seed", type=int, default=None,
                    help="seed of the validation split (default: --seed); another --seed with the same split trains an "
                         "independent network judged on the same images")
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--select-fraction", type=float, default=0.0,
                    help="> 0: hold out this share of the TRAINING groups as a selection split, train on the rest and "
                         "evaluate on the selection split only (the validation split is then never read): development runs")
    ap.add_argument("--select-seed", type=int, default=7)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--max-images", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-channels-last", action="store_true", help="keep NCHW memory layout (channels-last trains ~1.3x faster on CPU)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-2)
    ap.add_argument("--warmup-epochs", type=float, default=1.0)
    ap.add_argument("--ema", type=float, default=0.995, help="EMA decay of weights (0 = off)")
    ap.add_argument("--heat-weight", type=float, default=1.0, help="v1: heat-map loss weight")
    ap.add_argument("--det-weight", type=float, default=1.0, help="det: detection loss weight")
    ap.add_argument("--fpn-channels", type=int, default=DET_DEFAULTS["fpn_channels"])
    ap.add_argument("--fuse", default=DET_DEFAULTS["fuse"], choices=["max-logit", "none"],
                    help="det: add a learned multiple of the centre map's max logit to the fracture logit")
    ap.add_argument("--box-k", type=int, default=10, help="det: boxes kept per image (ONNX top-K)")
    ap.add_argument("--calibrate", default="auto", choices=["auto", "none", "platt", "temperature"],
                    help="fit on the evaluation split and bake into fracture_prob (auto = platt for det, none for v1)")
    ap.add_argument("--sens-target", type=float, default=0.90)
    ap.add_argument("--version", default="0.0.0-dev")
    ap.add_argument("--cache-dir", default=os.path.join(HERE, ".cache"))
    ap.add_argument("--ort-node-modules", default=os.environ.get("OSTEON_ORT_NODE_MODULES", ""),
                    help="node_modules dir holding onnxruntime-node, for the ONNX-vs-PyTorch check")
    ap.add_argument("--weights", default=None, help="full state dict (model.pt of a run); with --epochs 0 = evaluate + export only")
    ap.add_argument("--heat-stride", type=int, default=16, choices=[16, 32], help="v1 heat-map resolution: S/16 (default) or S/32")
    ap.add_argument("--peak-method", default="quadratic-fit-2d", choices=ENGINE_METHODS,
                    help="how the heat map becomes one point (training/peaks.py); the default won on 1.0.0's training images (peak_study.py)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (saved after every epoch)")
    ap.add_argument("--aug", default="standard", choices=["none", "standard", "heavy"])
    ap.add_argument("--no-aug", action="store_true", help="same as --aug none")
    ap.add_argument("--hflip-tta", action="store_true", help="also report hflip-TTA metrics on the evaluation split")
    ap.add_argument("--no-export", action="store_true", help="skip ONNX export and card (development runs)")
    a = ap.parse_args(argv)
    if a.no_aug:
        a.aug = "none"
    return a


# ---------------------------------------------------------------- data helpers

def box_rects_square(row, hw):
    """Boxes (normalised to the original image) -> [x0,y0,x1,y1] normalised to the letterboxed square."""
    h, w = hw
    g = letterbox_geometry(h, w)
    m = g["side"]
    out = []
    for xc, yc, bw, bh in row["boxes"]:
        x0 = ((xc - bw / 2) * w + g["pad_left"]) / m
        x1 = ((xc + bw / 2) * w + g["pad_left"]) / m
        y0 = ((yc - bh / 2) * h + g["pad_top"]) / m
        y1 = ((yc + bh / 2) * h + g["pad_top"]) / m
        out.append([x0, y0, x1, y1])
    return out


def make_masks(rects_list, S):
    """[B,1,S,S] binary masks from normalised square rects."""
    m = torch.zeros(len(rects_list), 1, S, S)
    for i, rects in enumerate(rects_list):
        for x0, y0, x1, y1 in rects:
            a0, a1 = max(0, int(math.floor(x0 * S))), min(S, int(math.ceil(x1 * S)))
            b0, b1 = max(0, int(math.floor(y0 * S))), min(S, int(math.ceil(y1 * S)))
            if a1 > a0 and b1 > b0:
                m[i, 0, b0:b1, a0:a1] = 1.0
    return m


AUG = {
    "standard": {"rot": 10, "scale": (0.9, 1.12), "shift": 0.06, "contrast": (0.85, 1.15), "bright": 0.07, "gamma": 0.2, "noise": 0.0, "erase": 0.0},
    "heavy": {"rot": 15, "scale": (0.8, 1.25), "shift": 0.10, "contrast": (0.7, 1.3), "bright": 0.1, "gamma": 0.35, "noise": 0.02, "erase": 0.3},
}


def augment(x, masks, rects, gen, kind="standard"):
    """x [B,1,S,S] in [0,1]; masks [B,1,S,S] or None; rects: per image, square-normalised [x1,y1,x2,y2].
    hflip, affine (rotation, scale, shift), brightness/contrast/gamma (+ noise and a random erased patch
    that avoids the boxes when heavy). Boxes follow the affine: centre mapped exactly, width/height scaled
    by the zoom (rotation of at most 10-15 degrees is ignored for the box size)."""
    P = AUG[kind]
    B, _, S, _ = x.shape
    r = lambda lo, hi: lo + (hi - lo) * torch.rand(B, generator=gen)  # noqa: E731
    ang = r(-P["rot"], P["rot"]) * math.pi / 180
    sc = r(*P["scale"])
    tx, ty = r(-P["shift"], P["shift"]), r(-P["shift"], P["shift"])
    flip = (torch.rand(B, generator=gen) < 0.5).float() * -2 + 1  # -1 = flip
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0] = cos * flip; theta[:, 0, 1] = -sin; theta[:, 0, 2] = tx
    theta[:, 1, 0] = sin * flip; theta[:, 1, 1] = cos; theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if masks is not None:
        masks = F.grid_sample(masks, grid, mode="nearest", padding_mode="zeros", align_corners=False)
    new_rects = []
    for b in range(B):
        L = theta[b, :, :2].double(); t = theta[b, :, 2].double()
        Li = torch.linalg.inv(L)
        out = []
        for x1, y1, x2, y2 in rects[b]:
            c_in = torch.tensor([(x1 + x2) - 1.0, (y1 + y2) - 1.0], dtype=torch.float64)  # centre in [-1, 1] coordinates
            c = Li @ (c_in - t)
            cx, cy = (float(c[0]) + 1) / 2, (float(c[1]) + 1) / 2
            hw_, hh_ = (x2 - x1) / 2 * float(sc[b]), (y2 - y1) / 2 * float(sc[b])
            if 0 <= cx <= 1 and 0 <= cy <= 1:
                out.append([cx - hw_, cy - hh_, cx + hw_, cy + hh_])
        new_rects.append(out)
    c = r(*P["contrast"]).view(B, 1, 1, 1); bb = r(-P["bright"], P["bright"]).view(B, 1, 1, 1)
    gam = torch.exp(r(-P["gamma"], P["gamma"])).view(B, 1, 1, 1)
    x = (x.clamp(0, 1) ** gam) * c + bb
    if P["noise"] > 0:
        x = x + torch.randn(x.shape, generator=gen) * (P["noise"] * torch.rand(B, 1, 1, 1, generator=gen))
    if P["erase"] > 0:
        for b in range(B):
            if float(torch.rand(1, generator=gen)) >= P["erase"]:
                continue
            ew, eh = [int(S * (0.05 + 0.15 * float(torch.rand(1, generator=gen)))) for _ in range(2)]
            ex, ey = int((S - ew) * float(torch.rand(1, generator=gen))), int((S - eh) * float(torch.rand(1, generator=gen)))
            e = [ex / S, ey / S, (ex + ew) / S, (ey + eh) / S]
            if any(e[0] < q[2] and q[0] < e[2] and e[1] < q[3] and q[1] < e[3] for q in new_rects[b]):
                continue
            x[b, :, ey:ey + eh, ex:ex + ew] = float(torch.rand(1, generator=gen))
    return x.clamp(0, 1), masks, new_rects


# ---------------------------------------------------------------- evaluation

@torch.no_grad()
def predict(net, X, idx, device, bs=32, hflip=False, box_k=10, S=None):
    """Predictions for rows X[idx]. Keys: fracture (prob), fracture_logit, count, parts, heat (+ boxes
    [n,K,4] square-normalised and box_scores [n,K] for det)."""
    net.eval()
    det = not isinstance(net, OsteonNet)
    outs = {"fracture_logit": [], "count": [], "parts": [], "heat": [], "boxes": [], "box_scores": []}
    for i in range(0, len(idx), bs):
        xb = torch.from_numpy(np.asarray(X[idx[i:i + bs]], dtype=np.float32)).unsqueeze(1).to(device)
        if next(net.parameters()).is_contiguous(memory_format=torch.channels_last):
            xb = xb.contiguous(memory_format=torch.channels_last)
        if det:
            o = net(xb)
            fr, cnt, parts, heat = o["fracture"], o["count"], o["parts"], o.get("heat", o["center"])
            boxes, scores = decode_boxes(o, S or xb.shape[-1], box_k)
            if hflip:
                o2 = net(torch.flip(xb, dims=[3]))
                fr = (fr + o2["fracture"]) / 2; cnt = (cnt + o2["count"]) / 2; parts = (parts + o2["parts"]) / 2
            outs["boxes"].append(boxes.cpu()); outs["box_scores"].append(scores.cpu())
        else:
            fr, cnt, parts, heat = net(xb)
            if hflip:
                fr2, cnt2, parts2, heat2 = net(torch.flip(xb, dims=[3]))
                fr = (fr + fr2) / 2; cnt = (cnt + cnt2) / 2; parts = (parts + parts2) / 2
                heat = (heat + torch.flip(heat2, dims=[2])) / 2
        outs["fracture_logit"].append(fr.cpu()); outs["count"].append(torch.softmax(cnt, 1).cpu())
        outs["parts"].append(torch.sigmoid(parts).cpu()); outs["heat"].append(torch.sigmoid(heat).cpu())
    res = {k: torch.cat(v).numpy() for k, v in outs.items() if v}
    res["fracture"] = 1 / (1 + np.exp(-res["fracture_logit"].astype(np.float64)))
    return res


def pointing_game(rows, hws, heat, method="cell-centre"):
    """Share of fractured images with boxes whose heat-map peak (the `method`'s point, mapped back
    through the letterbox to original-image pixels) lies inside one of their boxes. Also a lenient
    variant: the peak cell's square overlaps a box."""
    hits = lenient = n = 0
    for r, (h, w), hm in zip(rows, hws, heat):
        if not (r["fractured"] == 1 and r["boxes"]):
            continue
        n += 1
        gh, gw = hm.shape
        k = int(np.argmax(hm)); i, j = divmod(k, gw)
        g = letterbox_geometry(h, w); m = g["side"]
        gy, gx = peak_point(hm, method)
        px = gx * m / gw - g["pad_left"]; py = gy * m / gh - g["pad_top"]
        cx0, cx1 = j * m / gw - g["pad_left"], (j + 1) * m / gw - g["pad_left"]
        cy0, cy1 = i * m / gh - g["pad_top"], (i + 1) * m / gh - g["pad_top"]
        hit = len_hit = False
        for xc, yc, bw, bh in r["boxes"]:
            x0, x1 = (xc - bw / 2) * w, (xc + bw / 2) * w
            y0, y1 = (yc - bh / 2) * h, (yc + bh / 2) * h
            if x0 <= px <= x1 and y0 <= py <= y1:
                hit = True
            if cx0 < x1 and x0 < cx1 and cy0 < y1 and y0 < cy1:
                len_hit = True
        hits += hit; lenient += len_hit
    return {"n": n, "pointing_game": (hits / n) if n else None, "peak_cell_overlaps_box": (lenient / n) if n else None}


def image_boxes(rows, hws, pred):
    """Ground truth and predictions per image in the original image frame (normalised, clipped)."""
    gt, pr = {}, {}
    for k, (r, hw) in enumerate(zip(rows, hws)):
        key = (r["dir"], r["image_id"])
        if r["fractured"] == 0:
            gt[key] = []
        elif r["fractured"] == 1 and r["boxes"]:
            gt[key] = [yolo_to_xyxy(b) for b in r["boxes"]]
        else:
            continue  # fractured without boxes: unknown localisation, left out of AP and pointing
        boxes = [(float(s), square_to_image(b, hw)) for s, b in zip(pred["box_scores"][k], pred["boxes"][k]) if s > 0]
        pr[key] = [(s, b) for s, b in boxes if b[2] > b[0] and b[3] > b[1]]  # wholly in the padding: dropped, as the engine does
    return gt, pr


def detection_metrics(rows, hws, pred):
    gt, pr = image_boxes(rows, hws, pred)
    pg, n = top_box_pointing({k: v for k, v in gt.items() if v}, pr)
    return {"ap50_all_images": average_precision_50(gt, pr),
            "ap50_fractured_images_only": average_precision_50({k: v for k, v in gt.items() if v}, {k: pr[k] for k, v in gt.items() if v}),
            "top_box_pointing_game": pg, "n_images_with_boxes": n, "n_gt_boxes": int(sum(len(v) for v in gt.values())),
            "n_images": len(gt),
            "rule": "AP at IoU >= 0.5, all-point interpolated, greedy matching by descending score over every box "
                    "(score > 0) of every image with known localisation (non-fractured images contribute only false "
                    "positives); boxes compared in the original image frame after clipping. Pointing game: the "
                    "top-scoring box's centre lies inside a ground-truth box, over fractured images with boxes."}


def evaluate(rows, hws, pred, threshold=None, sens_target=0.90, n_boot=1000, peak_method="cell-centre"):
    y = np.array([r["fractured"] for r in rows])
    known = y >= 0
    p = pred["fracture"]
    groups = [group_key(r, GROUP_BLOCK) for r in rows]
    if threshold is None:
        threshold = threshold_for_sensitivity(y[known], p[known], sens_target)
    res = {"threshold": threshold, "sensitivity_target": sens_target}
    kidx = np.where(known)[0]
    res["fracture_all"] = binary_summary(y[kidx], p[kidx], threshold, [groups[i] for i in kidx], n_boot)
    nh = [i for i in kidx if rows[i]["hardware"] != 1]
    res["fracture_without_hardware"] = binary_summary(y[nh], p[nh], threshold, [groups[i] for i in nh], n_boot)
    hw_idx = [i for i in kidx if rows[i]["hardware"] == 1]
    res["hardware_images"] = {"n": len(hw_idx), "n_positive": int(sum(y[i] == 1 for i in hw_idx)),
                              "flagged_at_threshold": int(sum(p[i] >= threshold for i in hw_idx))}
    res["fracture_by_body_part"] = {}
    for k, bp in enumerate(BODY_PARTS):
        bidx = [i for i in kidx if rows[i]["parts"][k] == 1]
        res["fracture_by_body_part"][bp] = {"n": len(bidx), "n_positive": int(sum(y[i] == 1 for i in bidx)),
                                            "roc_auc": roc_auc(y[bidx], p[bidx]) if bidx else None}
    e, diagram = ece(y[kidx], p[kidx], 10)
    res["calibration"] = {"ece_10_bins": e, "reliability_diagram": diagram}
    # count
    cidx = [i for i, r in enumerate(rows) if r["count_cls"] >= 0]
    if cidx:
        truth = [rows[i]["count_cls"] for i in cidx]
        cm, f1s, mf1 = confusion_and_f1(truth, pred["count"][cidx].argmax(1), 3)
        n2 = sum(cm[2])
        res["count"] = {"n": len(cidx), "classes": ["0", "1", "2+"], "confusion_matrix_rows_true_cols_pred": cm,
                        "f1_per_class": f1s, "macro_f1": mf1, "recall_2plus": (cm[2][2] / n2) if n2 else None,
                        "accuracy": float(np.trace(np.array(cm)) / max(1, len(cidx)))}
    # body parts
    pidx = [i for i, r in enumerate(rows) if r["parts"][0] >= 0]
    if pidx:
        T = np.array([rows[i]["parts"] for i in pidx]); P = pred["parts"][pidx]
        res["body_part"] = {"n": len(pidx), "order": BODY_PARTS,
                            "accuracy_per_part_at_0.5": {bp: float(((P[:, k] >= 0.5) == T[:, k]).mean()) for k, bp in enumerate(BODY_PARTS)},
                            "exact_match_accuracy_at_0.5": float(((P >= 0.5) == T).all(1).mean()),
                            "top1_accuracy_single_part_images": (float((P[T.sum(1) == 1].argmax(1) == T[T.sum(1) == 1].argmax(1)).mean()) if (T.sum(1) == 1).any() else None),
                            "auc_per_part": {bp: roc_auc(T[:, k], P[:, k]) for k, bp in enumerate(BODY_PARTS)}}
    res["localisation"] = {**pointing_game(rows, hws, pred["heat"], peak_method), "peak_method": peak_method}
    if "boxes" in pred:
        res["detection"] = detection_metrics(rows, hws, pred)
    return res


def calibrate(rows, pred, method):
    """Fit the calibration on the evaluation split's fracture logits. Returns (a, b, report); the
    reported 'ece_crossfit' fits on one half of the 20-id groups and measures on the other (both ways),
    so it is not measured on the data the parameters were fitted on."""
    y = np.array([r["fractured"] for r in rows]); k = y >= 0
    z = pred["fracture_logit"].astype(np.float64)

    def fit(zz, yy):
        # One class (or a single example of one) says nothing about the slope: the fit would flatten
        # or invert the ranking (a <= 0), or saturate every probability to one value. Keep identity.
        if min(int(np.sum(yy == 1)), int(np.sum(yy == 0))) < 2:
            return 1.0, 0.0
        if method == "platt":
            fa, fb = fit_platt(zz, yy)
        else:
            fa, fb = 1.0 / fit_temperature(zz, yy), 0.0
        return (fa, fb) if fa > 0 else (1.0, 0.0)
    a, b = fit(z[k], y[k])
    fold = np.array([hash_fold(group_key(r, GROUP_BLOCK)) for r in rows])
    oof = np.full(len(rows), np.nan)
    for f in (0, 1):
        tr = k & (fold != f); te = k & (fold == f)
        fa, fb = fit(z[tr], y[tr])
        oof[te] = 1 / (1 + np.exp(-(fa * z[te] + fb)))
    e_before, d_before = ece(y[k], 1 / (1 + np.exp(-z[k])), 10)
    e_cross, d_cross = ece(y[k], oof[k], 10)
    e_in, _ = ece(y[k], 1 / (1 + np.exp(-(a * z[k] + b))), 10)
    rep = {"method": method, "a": a, "b": b, "temperature": 1.0 / a if a else None,
           "formula": "fracture_prob = sigmoid(a * fracture_logit + b)",
           "ece_uncalibrated": e_before, "ece_calibrated_in_sample": e_in, "ece_calibrated_crossfit": e_cross,
           "reliability_diagram_uncalibrated": d_before, "reliability_diagram_crossfit": d_cross,
           "crossfit": "2 folds by a hash of the 20-id group: fit on one fold, apply to the other"}
    return a, b, rep


def hash_fold(key):
    import hashlib
    return int(hashlib.sha1(repr(key).encode()).hexdigest()[:8], 16) % 2


def unseen_validation(rows, tr_idx, va_idx, first_dir, card0):
    """A fine-tune validates (epoch log, calibration, threshold) only on images its starting model
    never trained on: the first folder's (the doctors' labels') own validation groups, and base
    images that the starting model's card lists as its validation. A base image the starting
    model trained on would score overconfidently and pull the threshold and calibration with it
    (measured: sensitivity 0.864 on unseen images at a threshold chosen for 0.90 on seen ones)."""
    start_val = set(((card0 or {}).get("validation") or {}).get("split", {}).get("val_image_ids") or [])
    first = lambda i: rows[i]["dir"] == first_dir  # noqa: E731
    base = [i for i in list(tr_idx) + list(va_idx) if not first(i)]
    va = sorted([i for i in va_idx if first(i)] + [i for i in base if rows[i]["image_id"] in start_val])
    tr = sorted([i for i in tr_idx if first(i)] + [i for i in base if rows[i]["image_id"] not in start_val])
    base_va = sum(1 for i in va if not first(i))
    log(f"fine-tune validation: {base_va} base images the starting model validated on (never trained on) + "
        f"{len(va) - base_va} of the new labels; the other {len(base) - base_va} base images train only")
    if not va:
        raise SystemExit("a fine-tune needs validation images its starting model never trained on")
    return tr, va


def emphasise_first_folder(rows, tr_idx, first_dir, share):
    """A few dozen doctors' corrections beside thousands of base images barely move a fine-tune:
    repeat the first folder's training images so they make up at least `share` of each epoch."""
    first = [i for i in tr_idx if rows[i]["dir"] == first_dir]
    rest = len(tr_idx) - len(first)
    if share <= 0 or not first or rest == 0:
        return tr_idx
    copies = min(20, max(1, math.ceil(share * rest / ((1 - share) * len(first)))))
    if copies > 1:
        log(f"{first_dir}: its {len(first)} training images repeated {copies} times per epoch ({copies * len(first)} of "
            f"{rest + copies * len(first)})")
    return sorted(list(tr_idx) + first * (copies - 1))


# ---------------------------------------------------------------- checkpoints

def save_checkpoint_fp16(net, path, config):
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in net.state_dict().items()}
    torch.save({"format": CHECKPOINT_FORMAT, "config": config, "state_dict": sd}, path)


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    if isinstance(ck, dict) and ck.get("format") == CHECKPOINT_FORMAT:
        return ck["config"], {k: (v.float() if v.is_floating_point() else v) for k, v in ck["state_dict"].items()}
    raise ValueError(f"{path} is not an {CHECKPOINT_FORMAT} file")


def resolve_finetune(models_dir):
    """The active model of a models folder: its card and training checkpoint path."""
    with open(os.path.join(models_dir, "current.json")) as f:
        cur = json.load(f)
    with open(os.path.join(models_dir, cur["card"])) as f:
        card = json.load(f)
    ck = (card.get("files") or {}).get("checkpoint")
    return card, (os.path.join(models_dir, ck) if ck else None)


# ---------------------------------------------------------------- main

def main(argv=None):
    a = parse(argv)
    t_start = time.time()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed); np.random.seed(a.seed)
    device = torch.device("cuda" if (a.device == "auto" and torch.cuda.is_available()) else ("cpu" if a.device == "auto" else a.device))
    os.makedirs(a.out, exist_ok=True)

    ft_state = None
    ft_info = None
    ft_into_base = False
    card0, ck_path0 = resolve_finetune(a.finetune_from) if a.finetune_from else (None, None)
    if a.finetune_from and not ck_path0:
        a.finetune_from = None
        # A release from before checkpoints were packaged (1.0.1): the run starts from the initial
        # weights with the trainer's defaults instead of failing, and the card says so.
        log(f"the active model {card0.get('version')} ships no training checkpoint: training from the initial weights")
    if ck_path0:
        cfg0, ft_state = load_checkpoint(ck_path0)
        if a.arch == "v1box" and cfg0.get("arch", "v1") == "v1":
            ft_into_base = True  # a v1 release gains the box branch; its own weights go into `base`
        else:
            a.arch = cfg0.get("arch", "v1")
        if a.size is None:  # a fine-tune keeps its start's input size unless told otherwise (F384, M384)
            a.size = int(cfg0["S"])
        if a.arch in ("v1", "v1box"):
            a.heat_stride = int(cfg0.get("heat_stride", 16))
        else:
            a.fpn_channels = int(cfg0.get("fpn_channels", a.fpn_channels)); a.fuse = cfg0.get("fuse", a.fuse)
            a.box_k = int(cfg0.get("box_k", a.box_k))
        ft_info = {"models_dir": os.path.abspath(a.finetune_from), "version": card0.get("version"), "checkpoint": os.path.abspath(ck_path0)}
        log(f"fine-tuning from {a.finetune_from}: version {card0.get('version')}, arch {a.arch}, S {a.size}")
    if a.size is None:
        a.size = 256
    assert a.size % 32 == 0, "--size must be a multiple of 32"
    det = a.arch == "det"
    boxes = a.arch in ("det", "v1box")  # has the box head
    if a.freeze_base and not (a.arch == "v1box" and ft_info):
        raise SystemExit("--freeze-base needs --arch v1box and --finetune-from a v1 (or v1box) release")
    # auto: Platt for model 2 and for a fine-tune (the releases it starts from are calibrated, 1.0.2 on)
    calib_method = ("platt" if det or ft_info else "none") if a.calibrate == "auto" else a.calibrate
    if a.freeze_base:
        calib_method = "kept"  # the fracture logit is the starting release's: so is its calibration
    if det:
        net_config = {**DET_DEFAULTS, "fpn_channels": a.fpn_channels, "fuse": a.fuse, "box_k": a.box_k, "S": a.size}
    elif a.arch == "v1box":
        net_config = {"arch": "v1box", "heat_stride": a.heat_stride, "fpn_channels": a.fpn_channels, "box_k": a.box_k, "S": a.size}
    else:
        net_config = {"arch": "v1", "heat_stride": a.heat_stride, "S": a.size}

    rows = []
    for d in a.data:
        rr = read_folder(d)
        log(f"{d}: {len(rr)} images, {sum(r['fractured'] == 1 for r in rr)} fractured, {sum(r['box_known'] for r in rr)} with boxes")
        rows += rr
    if a.max_images and len(rows) > a.max_images:
        keep = sorted(np.random.RandomState(a.seed).choice(len(rows), a.max_images, replace=False))
        rows = [rows[i] for i in keep]
    rows = [r for r in rows if r["fractured"] >= 0]
    split_seed = a.split_seed if a.split_seed is not None else a.seed
    tr_idx, va_idx = split_groups(rows, a.val_fraction, split_seed, GROUP_BLOCK)
    if not va_idx or not tr_idx:
        raise SystemExit("split produced an empty train or validation set")
    if ft_info and len(a.data) > 1:
        tr_idx, va_idx = unseen_validation(rows, tr_idx, va_idx, os.path.abspath(a.data[0]), card0)
    log(f"split: train {len(tr_idx)} ({sum(rows[i]['fractured'] == 1 for i in tr_idx)} fx), val {len(va_idx)} ({sum(rows[i]['fractured'] == 1 for i in va_idx)} fx)")
    eval_name = "validation"
    if a.select_fraction > 0:
        sub = [rows[i] for i in tr_idx]
        s_tr, s_se = split_groups(sub, a.select_fraction, a.select_seed, GROUP_BLOCK)
        va_idx = [tr_idx[i] for i in s_se]
        tr_idx = [tr_idx[i] for i in s_tr]
        eval_name = "selection"
        log(f"development run: train {len(tr_idx)} ({sum(rows[i]['fractured'] == 1 for i in tr_idx)} fx), selection {len(va_idx)} "
            f"({sum(rows[i]['fractured'] == 1 for i in va_idx)} fx) carved from the training groups; no prediction is made on validation")

    tr_idx = emphasise_first_folder(rows, tr_idx, os.path.abspath(a.data[0]), a.first_data_share)
    t0 = time.time()
    X, HW = load_tensors(rows, a.size, a.cache_dir if a.cache_dir else None)
    log(f"tensors {X.shape} in {time.time() - t0:.1f}s")
    S = a.size; G = S // (8 if det else a.heat_stride)
    tr_idx = np.asarray(tr_idx); va_idx = np.asarray(va_idx)
    trows = [rows[i] for i in tr_idx]; vrows = [rows[i] for i in va_idx]
    HWtr, HWva = [HW[i] for i in tr_idx], [HW[i] for i in va_idx]
    rects = [box_rects_square(r, hw) for r, hw in zip(trows, HWtr)]
    y_fr = torch.tensor([r["fractured"] for r in trows], dtype=torch.float32)
    y_cnt = torch.tensor([r["count_cls"] for r in trows], dtype=torch.long)
    y_parts = torch.tensor([r["parts"] for r in trows], dtype=torch.float32)
    heat_known = torch.tensor([r["box_known"] or r["fractured"] == 0 for r in trows])

    npos = float((y_fr == 1).sum()); nneg = float((y_fr == 0).sum())
    pos_w = torch.tensor(math.sqrt(nneg / max(npos, 1.0)))
    cc = np.bincount(y_cnt[y_cnt >= 0].numpy(), minlength=3).astype(float)
    cnt_w = torch.tensor([math.sqrt(cc.sum() / (3 * c)) if c > 0 else 0.0 for c in cc], dtype=torch.float32)

    torch.manual_seed(a.init_seed if a.init_seed is not None else a.seed)
    net = build_net(net_config, heat_stride=a.heat_stride)
    torch.manual_seed(a.seed)
    if ft_state is not None and ft_into_base:
        net.base.load_state_dict(ft_state); log("loaded the active model's v1 checkpoint into the base; new box branch")
    elif ft_state is not None:
        net.load_state_dict(ft_state); log("loaded the active model's checkpoint")
    elif a.init:
        load_init(net, a.init); log(f"init backbone from {a.init}")
    elif not a.weights:
        log("backbone from scratch (no --init)")
    if a.weights:
        net.load_state_dict(torch.load(a.weights, map_location="cpu")); log(f"loaded weights {a.weights}")
    net.to(device)
    mf = torch.contiguous_format if a.no_channels_last else torch.channels_last
    net = net.to(memory_format=mf)
    if a.freeze_base:
        for p_ in net.base.parameters():
            p_.requires_grad_(False)
        log(f"base frozen: training {sum(p_.numel() for p_ in net.parameters() if p_.requires_grad)} box-branch parameters")
    ema = copy.deepcopy(net).eval() if a.ema > 0 else None
    opt = torch.optim.AdamW([p_ for p_ in net.parameters() if p_.requires_grad], lr=a.lr, weight_decay=a.weight_decay)
    bs = min(a.batch_size, len(tr_idx))
    steps_per_epoch = max(1, len(tr_idx) // bs)
    total = steps_per_epoch * a.epochs
    warm = max(1, min(int(steps_per_epoch * a.warmup_epochs), max(1, total // 10)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm))))
    gen = torch.Generator().manual_seed(a.seed)
    history = []
    step = 0
    start_ep = 0
    ck_path = os.path.join(a.out, "checkpoint.pt")
    if a.resume and os.path.exists(ck_path):
        ck = torch.load(ck_path, map_location="cpu")
        net.load_state_dict(ck["net"]); opt.load_state_dict(ck["opt"]); sched.load_state_dict(ck["sched"])
        if ema is not None:
            ema.load_state_dict(ck["ema"])
        gen.set_state(ck["gen"]); torch.set_rng_state(ck["torch_rng"])
        step, start_ep, history = ck["step"], ck["epoch"], ck["history"]
        log(f"resumed from {ck_path} after epoch {start_ep}")
    loss_keys = ["loss", "fr", "cnt", "parts"] + (["heat"] if not det else []) + (["center", "off", "size", "giou"] if boxes else [])
    for ep in range(start_ep, a.epochs):
        net.train()
        if a.freeze_base:
            net.base.eval()  # BatchNorm statistics and dropout of the release stay as they are
        perm = torch.randperm(len(tr_idx), generator=gen)
        t_ep = time.time(); tot = {k: 0.0 for k in loss_keys}; nb = 0
        for bi in range(steps_per_epoch):
            idx = perm[bi * bs:(bi + 1) * bs]
            li = idx.tolist()
            xb = torch.from_numpy(np.asarray(X[tr_idx[idx.numpy()]], dtype=np.float32)).unsqueeze(1)
            rb = [rects[i] for i in li]
            mb = make_masks(rb, S) if not det else None
            if a.aug != "none":
                xb, mb, rb = augment(xb, mb, rb, gen, a.aug)
            xb = xb.to(device).contiguous(memory_format=mf)
            yf = y_fr[idx]
            yc = y_cnt[idx]; ck_ = yc >= 0
            yp = y_parts[idx]; pk = yp[:, 0] >= 0
            hk = heat_known[idx]
            if boxes:
                o = {k: v.cpu() for k, v in net(xb).items()}
                fr, cnt, parts = o["fracture"], o["count"], o["parts"]
                heat = o.get("heat")
            else:
                fr, cnt, parts, heat = [t.cpu() for t in net(xb)]
            l_fr = F.binary_cross_entropy_with_logits(fr, yf, pos_weight=pos_w)
            l_cnt = F.cross_entropy(cnt[ck_], yc[ck_], weight=cnt_w) if ck_.any() else fr.sum() * 0
            l_parts = F.binary_cross_entropy_with_logits(parts[pk], yp[pk]) if pk.any() else fr.sum() * 0
            parts_l = {"fr": l_fr, "cnt": l_cnt, "parts": l_parts}
            if boxes:
                heat_t, bidx = make_targets([rb[i] if bool(hk[i]) else [] for i in range(len(li))], S, 8)
                if hk.any():
                    l_center = focal_heat_loss(o["center"][hk], heat_t[hk])
                else:
                    l_center = fr.sum() * 0
                l_off, l_size, l_giou = box_losses(o["offset"], o["logsize"], bidx)
                parts_l.update(center=l_center, off=l_off, size=l_size, giou=l_giou)
                loss = l_fr + 0.5 * l_cnt + 0.3 * l_parts + a.det_weight * (l_center + l_off + 0.5 * l_size + l_giou)
            if not det:
                tgt_heat = F.adaptive_max_pool2d(mb, G).squeeze(1)
                if hk.any():
                    l_heat = F.binary_cross_entropy_with_logits(heat[hk], tgt_heat[hk], pos_weight=torch.tensor(3.0))
                else:
                    l_heat = fr.sum() * 0
                parts_l["heat"] = l_heat
                if boxes:  # v1box: the v1 loss plus the box head's (only the latter has gradients when frozen)
                    loss = loss + a.heat_weight * l_heat
                else:
                    loss = l_fr + 0.5 * l_cnt + 0.3 * l_parts + a.heat_weight * l_heat
            parts_l["loss"] = loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step(); sched.step(); step += 1
            if ema is not None:
                d = min(a.ema, (1 + step) / (10 + step))
                with torch.no_grad():
                    for pe, pn in zip(ema.parameters(), net.parameters()):
                        pe.mul_(d).add_(pn.detach(), alpha=1 - d)
                    for be, bn in zip(ema.buffers(), net.buffers()):
                        if be.dtype.is_floating_point:
                            be.mul_(d).add_(bn, alpha=1 - d)
                        else:
                            be.copy_(bn)
            for k in loss_keys:
                tot[k] += float(parts_l[k])
            nb += 1
            if bi % 20 == 0:
                log(f"ep {ep + 1} step {bi}/{steps_per_epoch} loss {float(loss):.3f} "
                    + " ".join(f"{k} {float(parts_l[k]):.3f}" for k in loss_keys[1:])
                    + f" ({(bi + 1) * bs / (time.time() - t_ep):.1f} img/s)")
        t_train = time.time() - t_ep
        evnet = ema if ema is not None else net
        pv = predict(evnet, X, va_idx, device, box_k=a.box_k, S=S)
        yv = np.array([r["fractured"] for r in vrows])
        auc = roc_auc(yv, pv["fracture"])
        thr = threshold_for_sensitivity(yv, pv["fracture"], a.sens_target)
        spec = float(((pv["fracture"] < thr) & (yv == 0)).sum() / max(1, (yv == 0).sum()))
        h = {"epoch": ep + 1, **{k: v / nb for k, v in tot.items()}, f"{eval_name}_auc": auc, f"{eval_name}_spec_at_sens": spec,
             "train_s": t_train, "img_s": len(tr_idx) / t_train, "eval_model": "ema" if ema is not None else "raw"}
        if not det:
            h[f"{eval_name}_pointing"] = pointing_game(vrows, HWva, pv["heat"])["pointing_game"]
        if boxes:
            dm = detection_metrics(vrows, HWva, pv)
            h[f"{eval_name}_pointing_top_box"] = dm["top_box_pointing_game"]
            h[f"{eval_name}_ap50"] = dm["ap50_all_images"]
            cidx = [i for i, r in enumerate(vrows) if r["count_cls"] >= 0]
            if cidx:
                h[f"{eval_name}_count_macro_f1"] = confusion_and_f1([vrows[i]["count_cls"] for i in cidx], pv["count"][cidx].argmax(1), 3)[2]
        history.append(h)
        log(f"epoch {ep + 1}: " + json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.items()}))
        with open(os.path.join(a.out, "history.json"), "w") as f:
            json.dump(history, f, indent=1)
        torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "ema": ema.state_dict() if ema is not None else None, "gen": gen.get_state(),
                    "torch_rng": torch.get_rng_state(), "step": step, "epoch": ep + 1, "history": history}, ck_path + ".tmp")
        os.replace(ck_path + ".tmp", ck_path)
        torch.save(evnet.state_dict(), os.path.join(a.out, f"model_ep{ep + 1}.pt"))

    final = ema if ema is not None else net
    final.eval()
    torch.save(final.state_dict(), os.path.join(a.out, "model.pt"))
    save_checkpoint_fp16(final, os.path.join(a.out, "model_fp16.pt"), net_config)
    pv = predict(final, X, va_idx, device, box_k=a.box_k, S=S)
    yv = np.array([r["fractured"] for r in vrows])
    calib = (1.0, 0.0)
    calib_rep = {"method": "none"}
    if calib_method == "kept":
        c0 = card0.get("calibration") or {"method": "none", "a": 1.0, "b": 0.0}
        ca, cb = float(c0.get("a", 1.0)), float(c0.get("b", 0.0))
        calib = (ca, cb)
        _, _, refit = calibrate(vrows, pv, "platt")  # for the record: what a refit here would give
        calib_rep = {**c0, "kept_from": card0.get("version"),
                     "note": "the fracture logit is the starting release's (frozen base), so is its calibration; ECE values are the "
                             "starting release's record", "refit_here_for_comparison": {k: refit[k] for k in ("a", "b", "ece_calibrated_crossfit")}}
        pv["fracture_uncalibrated"] = pv["fracture"]
        pv["fracture"] = 1 / (1 + np.exp(-(ca * pv["fracture_logit"].astype(np.float64) + cb)))
        log(f"calibration kept from {card0.get('version')}: a {ca:.4f} b {cb:.4f}")
    elif calib_method != "none":
        ca, cb, calib_rep = calibrate(vrows, pv, calib_method)
        calib = (ca, cb)
        pv["fracture_uncalibrated"] = pv["fracture"]
        pv["fracture"] = 1 / (1 + np.exp(-(ca * pv["fracture_logit"].astype(np.float64) + cb)))
        log(f"calibration ({calib_method}, fitted on {eval_name}): a {ca:.4f} b {cb:.4f}; ECE uncalibrated {calib_rep['ece_uncalibrated']:.4f}, "
            f"cross-fitted {calib_rep['ece_calibrated_crossfit']:.4f}, in-sample {calib_rep['ece_calibrated_in_sample']:.4f}")
    res = evaluate(vrows, HWva, pv, None, a.sens_target, peak_method=a.peak_method)
    res["evaluation_split"] = eval_name
    extra = {}
    if ema is not None and a.epochs > 0:
        pr = predict(net, X, va_idx, device, box_k=a.box_k, S=S)
        extra["raw_weights_auc"] = roc_auc(yv, pr["fracture"])
        extra["ema_weights_auc"] = res["fracture_all"]["roc_auc"]
    if a.hflip_tta:
        pt = predict(final, X, va_idx, device, hflip=True, box_k=a.box_k, S=S)
        rt = evaluate(vrows, HWva, pt, None, a.sens_target, n_boot=0, peak_method=a.peak_method)
        extra["hflip_tta"] = {"roc_auc": rt["fracture_all"]["roc_auc"], "at_threshold": rt["fracture_all"]["at_threshold"],
                              "pointing_game": rt["localisation"]["pointing_game"]}
    np.savez_compressed(os.path.join(a.out, f"{eval_name}_outputs.npz"), image_id=np.array([r["image_id"] for r in vrows]),
                        **{k: v for k, v in pv.items()})
    with open(os.path.join(a.out, "val_predictions.csv" if eval_name == "validation" else "selection_predictions.csv"), "w") as f:
        f.write("dir,image_id,fractured,count_cls,hardware,p_fracture,p_count0,p_count1,p_count2,p_hand,p_leg,p_hip,p_shoulder"
                + (",top_box_score,top_box_x1,top_box_y1,top_box_x2,top_box_y2" if boxes else "") + "\n")
        for k, (r, pf, pc, pp) in enumerate(zip(vrows, pv["fracture"], pv["count"], pv["parts"])):
            line = f"{r['dir']},{r['image_id']},{r['fractured']},{r['count_cls']},{r['hardware']},{pf:.6f}," + ",".join(f"{v:.6f}" for v in list(pc) + list(pp))
            if boxes:
                b = square_to_image(pv["boxes"][k][0], HWva[k])
                line += f",{pv['box_scores'][k][0]:.6f}," + ",".join(f"{v:.5f}" for v in b)
            f.write(line + "\n")
    summary = summarize(res)
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump({"evaluation_split": eval_name, "summary": summary, "metrics": res, "calibration": calib_rep, "extra": extra,
                   "history": history}, f, indent=2)
    log(f"{eval_name} summary: {json.dumps(summary)}")
    if a.no_export:
        log(f"done in {time.time() - t_start:.0f}s (no export)")
        return

    # ---- ONNX export
    onnx_path = os.path.join(a.out, "model.onnx")
    names = DET_OUTPUTS if boxes else V1_OUTPUTS
    if boxes:  # det and v1box (whose v1 heat map is its heatmap output)
        wrap = DetExportWrapper(copy.deepcopy(final).cpu().to(memory_format=torch.contiguous_format), S, a.box_k, calib).eval()
    else:
        wrap = ExportWrapper(copy.deepcopy(final).cpu().to(memory_format=torch.contiguous_format), calib).eval()
    dummy = torch.from_numpy(np.asarray(X[va_idx[:2]], dtype=np.float32)).unsqueeze(1)
    torch.onnx.export(wrap, dummy, onnx_path, opset_version=13, input_names=["image"], output_names=names,
                      dynamic_axes={"image": {0: "N"}, **{n: {0: "N"} for n in names}}, do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    parity = ort_check(a, onnx_path, wrap, np.asarray(X[va_idx[:4]], dtype=np.float32), S, names)
    log(f"onnx parity: {parity}")

    train_info = {
        "datasets": a.data, "n_images": len(rows), "n_train": len(tr_idx), "n_val": len(va_idx),
        "n_train_fractured": int(npos), "n_val_fractured": int(sum(r["fractured"] == 1 for r in vrows)),
        "evaluation_split": eval_name,
        "epochs": a.epochs, "batch_size": bs, "optimizer": f"AdamW lr {a.lr} wd {a.weight_decay}, {a.warmup_epochs:g}-epoch linear warm-up (at most 10% of steps) then cosine",
        "ema_decay": a.ema, "losses": loss_text(a, G, det),
        "augmentation": augmentation_text(a.aug),
        "init": init_text(a, ft_info),
        "finetuned_from": ft_info,
        "seed": a.seed, "init_seed": a.init_seed if a.init_seed is not None else a.seed, "device": str(device), "threads": a.threads, "torch": torch.__version__,
        "host": platform.processor() or platform.machine(), "wall_time_s": None, "history": history,
        "command": " ".join([os.path.basename(sys.executable), "training/train.py"] + (argv if argv is not None else sys.argv[1:])),
    }
    split = {"method": f"stratified group split: groups = blocks of {GROUP_BLOCK} consecutive numeric image ids (int(last digit run of image_id) // {GROUP_BLOCK}) per data folder; "
             "groups shuffled with numpy RandomState(seed).permutation over groups sorted by (folder, block), then stably sorted by number of fractured images (descending); "
             f"group k (0-based) goes to validation when floor((k+1)*f) > floor(k*f), f = val_fraction",
             "seed": split_seed, "val_fraction": a.val_fraction, "group_block": GROUP_BLOCK, "max_images": a.max_images,
             "select_fraction": a.select_fraction, "select_seed": a.select_seed if a.select_fraction > 0 else None,
             "val_image_ids": [r["image_id"] for r in vrows]}
    train_info["wall_time_s"] = round(time.time() - t_start, 1)
    if a.weights and a.epochs == 0:
        train_info["exported_from_checkpoint"] = os.path.abspath(a.weights)
        hp = os.path.join(os.path.dirname(os.path.abspath(a.weights)), "history.json")
        if os.path.exists(hp):
            with open(hp) as f:
                train_info["history"] = json.load(f)
            train_info["note"] = "evaluate/export-only run (--epochs 0) of a checkpoint; 'history' is the training run's per-epoch log up to the last saved epoch"
    card = build_card(a, S, G, res, extra, parity, train_info, split, net_config, calib_rep, det)
    if ft_info and is_ensemble(card0):
        card = reaverage(a, card0, card, vrows, HWva, onnx_path,
                         {"load_tensors": load_tensors, "calibrate": calibrate, "evaluate": evaluate, "summarize": summarize})
        res = card["validation"]["metrics"]
        log(f"averaged again with {card0['version']}'s member B: {eval_name} AUC {res['fracture_all']['roc_auc']}")
    with open(os.path.join(a.out, "model-card.json"), "w") as f:
        json.dump(card, f, indent=2)
    log(f"done in {time.time() - t_start:.0f}s: {eval_name} AUC {res['fracture_all']['roc_auc']} thr {res['threshold']:.4f} "
        f"spec {res['fracture_all']['at_threshold']['specificity']} extra {extra}")


def summarize(res):
    """The goal numbers of issue 18 in one flat dict."""
    fa = res["fracture_all"]
    s = {"n": fa["n"], "n_positive": fa["n_positive"], "roc_auc": fa["roc_auc"], "pr_auc": fa["pr_auc"], "threshold": res["threshold"],
         "sensitivity": fa["at_threshold"]["sensitivity"], "specificity": fa["at_threshold"]["specificity"],
         "roc_auc_without_hardware": res["fracture_without_hardware"]["roc_auc"],
         "ece": res["calibration"]["ece_10_bins"],
         "count_macro_f1": res.get("count", {}).get("macro_f1"), "count_recall_2plus": res.get("count", {}).get("recall_2plus"),
         "heatmap_pointing_game": res["localisation"]["pointing_game"]}
    if "detection" in res:
        s["top_box_pointing_game"] = res["detection"]["top_box_pointing_game"]
        s["ap50_all_images"] = res["detection"]["ap50_all_images"]
    for bp, v in res["fracture_by_body_part"].items():
        s[f"auroc_{bp}"] = v["roc_auc"]
    return s


def loss_text(a, G, det):
    base = "BCE(fracture, pos_weight=sqrt(neg/pos)) + 0.5*CE(count, sqrt-inverse-frequency class weights) + 0.3*BCE(body parts) + "
    if det:
        return base + (f"{a.det_weight}*[focal(centre map {G}x{G}, CenterNet penalty-reduced, alpha 2 beta 4, elliptical Gaussian "
                       "targets sigma = max(0.5, 0.2 * box side) cells) + L1(centre offset) + 0.5*L1(log box size) + GIoU(box at the "
                       "true centre cell)] on fractured images with boxes and all non-fractured images")
    v1 = base + (f"{a.heat_weight}*BCE(heat-map cells vs box mask max-pooled to {G}x{G}, pos_weight 3; fractured images with "
                 "boxes and all non-fractured images)")
    if a.arch == "v1box":
        v1 += (f" + {a.det_weight}*[focal(centre map {a.size // 8}x{a.size // 8}, alpha 2 beta 4, elliptical Gaussian targets) + L1(centre "
               "offset) + 0.5*L1(log box size) + GIoU(box at the true centre cell)]")
        if a.freeze_base:
            v1 += "; base frozen, so only the box terms have gradients"
    return v1


def augmentation_text(kind):
    if kind == "none":
        return "none"
    P = AUG[kind]
    t = (f"horizontal flip p=0.5, rotation +-{P['rot']} deg, scale {P['scale'][0]}-{P['scale'][1]}, translation +-{int(P['shift'] * 100)}%, "
         f"gamma exp(+-{P['gamma']}), contrast {P['contrast'][0]}-{P['contrast'][1]}, brightness +-{P['bright']}")
    if P["noise"]:
        t += f", Gaussian noise sigma up to {P['noise']}"
    if P["erase"]:
        t += f", p={P['erase']} one random flat patch 5-20% of the side that avoids the boxes"
    return t + " (on the preprocessed tensor; boxes transformed identically)"


def init_text(a, ft_info):
    if ft_info:
        return f"fine-tuned from the active model {ft_info['version']} (its training checkpoint)"
    if a.init:
        return "nsfwjs 4.4.0 MobileNetV2 backbone (ImageNet-derived, MIT), converted by training/convert_nsfwjs.py"
    if a.weights:
        return f"every weight from {os.path.basename(a.weights)} (--weights), then {a.epochs} epochs here"
    return "random (from scratch)"


def ort_check(a, onnx_path, wrap, Xs, S, names):
    n = len(Xs)
    x = torch.from_numpy(Xs).unsqueeze(1).float()
    with torch.no_grad():
        ref = [t.numpy() for t in wrap(x)]
    shapes = {k: list(v.shape) for k, v in zip(names, ref)}
    if not a.ort_node_modules or not shutil.which("node"):
        return {"checked": False, "reason": "onnxruntime-node not configured (--ort-node-modules)", "torch_output_shapes": shapes}
    inp = os.path.join(a.out, "_ort_input.f32")
    x.numpy().astype("<f4").tofile(inp)
    env = dict(os.environ, NODE_PATH=a.ort_node_modules)
    try:
        p = subprocess.run(["node", os.path.join(HERE, "ort_check.js"), onnx_path, inp, str(n), str(S)], env=env,
                           capture_output=True, text=True, timeout=300)
        out = json.loads(p.stdout)
    except Exception as e:  # noqa: BLE001
        return {"checked": False, "reason": f"onnxruntime-node failed: {e}", "torch_output_shapes": shapes}
    finally:
        if os.path.exists(inp):
            os.remove(inp)
    diffs = {}
    for k, r in zip(names, ref):
        o = np.array(out["outputs"][k]["data"], dtype=np.float32).reshape(out["outputs"][k]["dims"])
        diffs[k] = float(np.abs(o.reshape(r.shape) - r).max()) if o.size == r.size else float("inf")
    mx = max(diffs.values())
    ver = "unknown"
    try:
        with open(os.path.join(a.ort_node_modules, "onnxruntime-node", "package.json")) as f:
            ver = json.load(f)["version"]
    except OSError:
        pass
    return {"checked": True, "runtime": f"onnxruntime-node {ver}", "n_images": n, "max_abs_diff": mx,
            "max_abs_diff_per_output": diffs, "pass": mx < 1e-4, "tolerance": 1e-4,
            "onnx_output_shapes": {k: out["outputs"][k]["dims"] for k in names}}


HEATMAP_HEADS = {
    32: "1x1 conv 1280->1 on the last feature map ({G}x{G}) -> sigmoid; box-supervised",
    16: "logit map at {G}x{G} (stride 16) = nearest-2x-upsampled 1x1 conv 1280->1 on the last (stride-32) feature map + "
        "[3x3 conv 96->64, BN, ReLU, 1x1 conv 64->1] on the stride-16 features; sigmoid; box-supervised",
}


def build_card(a, S, G, res, extra, parity, train_info, split, net_config, calib_rep, det):
    if det:
        C = net_config["fpn_channels"]
        heads = {
            "pyramid": f"lateral 1x1 conv+BN to {C} channels on the stride-32 (1280), stride-16 (96) and stride-8 (32) MobileNetV2 features; "
                       "top-down nearest 2x upsampling and addition; one depthwise-separable 3x3 block at stride 16, two at stride 8",
            "center": f"depthwise-separable 3x3 block + 1x1 conv {C}->1 on the stride-8 map: fracture-centre logit map {G}x{G}",
            "box": f"depthwise-separable 3x3 block + 1x1 conv {C}->4: centre offset (x, y, cells, from the cell centre) and log box width/height (cells)",
            "fracture": "global average pool of the stride-32 features -> dropout 0.2 -> linear 1280->1"
                        + (", plus a learned multiple of the centre map's maximum logit" if net_config["fuse"] == "max-logit" else "")
                        + ("; calibrated in the graph: sigmoid(a * logit + b)" if calib_rep.get("method") != "none" else "; sigmoid"),
            "count": f"linear on [pooled features (1280), the top {net_config['count_topk']} local-maximum centre probabilities] -> softmax (classes 0, 1, 2+)",
            "body_part": "global average pool -> linear 1280->4 -> sigmoid (multi-label: hand, leg, hip, shoulder)",
            "heatmap": "sigmoid of the centre logit map (the box head's centre heat map)",
        }
    else:
        heads = {"fracture": "global average pool -> dropout 0.2 -> linear 1280->1 -> sigmoid",
                 "count": "global average pool -> linear 1280->3 -> softmax (classes 0, 1, 2+)",
                 "body_part": "global average pool -> linear 1280->4 -> sigmoid (multi-label: hand, leg, hip, shoulder)",
                 "heatmap": HEATMAP_HEADS[a.heat_stride].format(G=G)}
        if a.arch == "v1box":
            C = net_config["fpn_channels"]
            heads.update({
                "pyramid": f"model 2's: lateral 1x1 conv+BN to {C} channels on the stride-32, -16 and -8 features of the same backbone; top-down "
                           "nearest 2x upsampling and addition; one depthwise-separable 3x3 block at stride 16, two at stride 8",
                "center": f"depthwise-separable 3x3 block + 1x1 conv {C}->1 on the stride-8 map: fracture-centre logit map {S // 8}x{S // 8} (not an output; boxes are decoded from it)",
                "box": f"depthwise-separable 3x3 block + 1x1 conv {C}->4: centre offset (x, y, cells) and log box width/height (cells)",
            })
            if a.freeze_base:
                heads["trained"] = (f"only the pyramid and box head; backbone, fracture, count, body-part and heat-map heads are "
                                    f"{(train_info.get('finetuned_from') or {}).get('version')}'s, frozen (BatchNorm in eval mode)")
    outputs = [
        {"name": "fracture_prob", "shape": ["N"], "dtype": "float32",
         "meaning": "probability a fracture is present" + (f" (calibrated: {calib_rep['method']} scaling, see calibration)" if calib_rep.get("method") != "none" else "")},
        {"name": "count_probs", "shape": ["N", 3], "dtype": "float32", "meaning": "softmax over fracture count classes [0, 1, 2+]"},
        {"name": "body_part_probs", "shape": ["N", 4], "dtype": "float32", "meaning": "independent sigmoid probabilities, order [hand, leg, hip, shoulder]"},
        {"name": "heatmap", "shape": ["N", G, G], "dtype": "float32", "meaning": f"per-cell fracture probability on a {G}x{G} grid over the letterboxed square (row-major, row 0 = top). Cell (i, j) covers square pixels [j*M/{G}, (j+1)*M/{G}) x [i*M/{G}, (i+1)*M/{G}); original x = square x - pad_left, y = square y - pad_top"
         + ("; this is the box head's centre map: it peaks at fracture centres" if det else "")},
    ]
    detection = None
    if det or a.arch == "v1box":
        outputs += [
            {"name": "boxes", "shape": ["N", a.box_k, 4], "dtype": "float32",
             "meaning": "fracture boxes [x1, y1, x2, y2] normalised to the LETTERBOXED SQUARE (0..1 of its side M; not clipped), "
                        "best first. Original-image pixels: x = x_sq * M - pad_left, y = y_sq * M - pad_top (clip to the image)"},
            {"name": "box_scores", "shape": ["N", a.box_k], "dtype": "float32",
             "meaning": "score of each box (centre-map probability at a 3x3 local maximum), descending; 0 = padding (no further local maximum)"},
        ]
        detection = {"stride": 8, "grid": G, "top_k": a.box_k,
                     "decode": "p = sigmoid(centre logits); local maxima = cells equal to the 3x3 max-pool of p; the top-K local maxima by p "
                               "(in-graph TopK; non-maxima follow with score 0); centre = (j + 0.5 + offset_x, i + 0.5 + offset_y) * 8 px, "
                               "size = exp(log size) * 8 px, all divided by S; no further NMS",
                     "score": "box_scores is the centre probability itself, not calibrated; rank boxes by it; the top box is the model's 'where'",
                     "frame": "letterboxed square, normalised; see outputs.boxes"}
    return {
        "name": "osteon-fracture",
        "version": a.version,
        "createdAt": dt.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "intendedUse": "Decision support / triage hint for emergency musculoskeletal X-ray (hand, leg, hip, shoulder). Not a diagnostic device; every film must still be read by a clinician.",
        "architecture": {
            "backbone": "torchvision MobileNetV2 features (width 1.0), BatchNorm eps 1e-3, stride-2 convolutions padded Keras-style (bottom/right)",
            "heads": heads,
            "input_normalisation_in_graph": "replicate 1 channel to 3, then (x - 0.5) / 0.5",
            "parameters": int(sum(p.numel() for p in build_net(net_config, heat_stride=a.heat_stride).parameters())),
            "config": net_config,
        },
        "trainingData": {
            "dataset": "FracAtlas (development split at /work/shared/datasets/fracatlas: 3,473 images; a further ~15% of FracAtlas is held out by the project for independent evaluation and was not used)" if any("fracatlas" in d.lower() for d in a.data) else "custom",
            "citation": "Abedeen I., Rahman M.A., Prottyasha F.Z. et al. \"FracAtlas: A Dataset for Fracture Classification, Localization and Segmentation of Musculoskeletal Radiographs.\" Scientific Data 10, 521 (2023). https://doi.org/10.1038/s41597-023-02432-4",
            "data_doi": "https://doi.org/10.6084/m9.figshare.22363012",
            "licence": "CC BY 4.0",
            "initialWeights": "MobileNetV2 backbone (ImageNet-derived Keras weights) taken from the npm package nsfwjs 4.4.0 (MIT licence, https://github.com/infinitered/nsfwjs), converted with training/convert_nsfwjs.py" if (a.init or a.finetune_from or a.weights) else "none (random initialisation)",
            **{k: v for k, v in train_info.items()},
        },
        "preprocessing": {
            "input": "8-bit greyscale image as float 0..255, H x W (JPEG decoded to luminance; DICOM decoded to the same 0..255 grey)",
            "letterbox": "pad to a square of side M = max(H, W) with zeros: pad_top = floor((M-H)/2), pad_bottom = M-H-pad_top, pad_left = floor((M-W)/2), pad_right = M-W-pad_left",
            "resize": f"adaptive average pooling M x M -> {S} x {S} (torch.nn.functional.adaptive_avg_pool2d semantics: output index i averages input indices floor(i*M/{S}) .. ceil((i+1)*M/{S})-1, rows and columns), computed in float64",
            "scale": "divide by 255, cast to float32 (values in [0, 1])",
            "S": S,
            "tensor": f"[N, 1, {S}, {S}] float32, NCHW",
            "reference_implementation": "training/preprocess.py (preprocess_array); CLI training/preprocess_cli.py <image> <S>",
        },
        "inputs": [{"name": "image", "shape": ["N", 1, S, S], "dtype": "float32", "range": [0, 1]}],
        "outputs": outputs,
        **({"detection": detection} if detection else {}),
        "calibration": calib_rep,
        "heatmap_peak": {"method": a.peak_method, "reference_implementation": "training/peaks.py (peak_point); engine src/inference/heatmap-peak.ts",
                         "meaning": "the heat map's single 'where' point: first maximum (row-major), then the method's sub-cell refinement"
                                    + ("; with boxes, the top box's centre is the better 'where'" if det or a.arch == "v1box" else "")},
        "onnx": {"opset": 13, "file_input_name": "image", "dynamic_batch": True, "parity_check": parity},
        "threshold": {"value": res["threshold"], "sensitivity_target": a.sens_target,
                      "rule": f"largest threshold on fracture_prob giving {res['evaluation_split']} sensitivity >= target, halfway to the next lower score; flag fracture when fracture_prob >= value"},
        "validation": {"split": split, "metrics": res, "summary": summarize(res), "extra": extra},
        "knownLimits": [
            "FracAtlas has no patient identifiers; the validation split groups 20 consecutive image ids to reduce (not remove) same-patient leakage, so validation metrics may be optimistic.",
            "Single source (FracAtlas radiographs from hospitals in Bangladesh); no external-site validation; scanner, population and protocol shift untested.",
            "Age of patients is not recorded in FracAtlas; paediatric films and growth plates are not characterised.",
            "97 of 99 hardware=1 (implant) images are fractured: the model may use implants as a shortcut. Metrics are reported with and without those images.",
            "Only hand, leg, hip and shoulder regions; other anatomy (spine, skull, chest, wrist series per se) is out of scope.",
            "The 2+ fracture count class is small (about 4%); count predictions are unreliable.",
            ("Boxes are trained on about 500 fractured images; they are a localisation hint, not a segmentation, and small or subtle fractures may be missed or boxed loosely."
             if det or a.arch == "v1box" else "The heat map is coarse (one cell = 1/{0} of the letterboxed side) and is a localisation hint, not a segmentation.".format(G)),
            "Threshold" + (" and calibration" if calib_rep.get("method") != "none" else "") + " chosen on the same validation split the metrics are reported on; expect somewhat lower sensitivity/specificity on new data.",
            "About 87 non-fractured source JPEGs were truncated (partly grey) in FracAtlas.",
        ],
    }


if __name__ == "__main__":
    main()
