#!/usr/bin/env python3
"""Osteon fracture model trainer (multi-task MobileNetV2, box-supervised heat map).

Example (shipped model, see training/README.md):
  /usr/bin/python3 training/train.py --data /work/shared/datasets/fracatlas --out /tmp/run \
      --init training/.cache/mobilenet_v2_nsfwjs.pt --size 256 --epochs 10 --seed 42
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
from model import OsteonNet, ExportWrapper, load_init  # noqa: E402
from peaks import ENGINE_METHODS, peak_point  # noqa: E402
from metrics import (binary_summary, threshold_for_sensitivity, confusion_and_f1, roc_auc)  # noqa: E402
from preprocess import letterbox_geometry  # noqa: E402

GROUP_BLOCK = 20


def log(msg):
    print(f"[{dt.datetime.utcnow().strftime('%H:%M:%S')}] {msg}", flush=True)


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, help="folder with images/ + labels.csv (+ boxes.csv); repeatable")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--size", type=int, default=256, help="input side S (multiple of 32)")
    ap.add_argument("--init", default=None, help="converted nsfwjs MobileNetV2 .pt (convert_nsfwjs.py); omit = from scratch")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--max-images", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-2)
    ap.add_argument("--ema", type=float, default=0.995, help="EMA decay of weights (0 = off)")
    ap.add_argument("--heat-weight", type=float, default=1.0)
    ap.add_argument("--sens-target", type=float, default=0.90)
    ap.add_argument("--version", default="0.0.0-dev")
    ap.add_argument("--cache-dir", default=os.path.join(HERE, ".cache"))
    ap.add_argument("--ort-node-modules", default=os.environ.get("OSTEON_ORT_NODE_MODULES", ""),
                    help="node_modules dir holding onnxruntime-node, for the ONNX-vs-PyTorch check")
    ap.add_argument("--weights", default=None, help="full OsteonNet state dict (model.pt of a run); with --epochs 0 = evaluate + export only")
    ap.add_argument("--heat-stride", type=int, default=16, choices=[16, 32], help="heat-map resolution: S/16 (default) or S/32")
    ap.add_argument("--peak-method", default="quadratic-fit-2d", choices=ENGINE_METHODS,
                    help="how the heat map becomes one point (training/peaks.py); the default won on 1.0.0's training images (peak_study.py)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (saved after every epoch)")
    ap.add_argument("--no-aug", action="store_true")
    ap.add_argument("--hflip-tta", action="store_true", help="also report hflip-TTA metrics on validation")
    return ap.parse_args()


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


def augment(x, masks, gen):
    """x [B,1,S,S] in [0,1]; masks [B,1,S,S]. hflip, small affine, brightness/contrast/gamma."""
    B = x.shape[0]
    r = lambda lo, hi: lo + (hi - lo) * torch.rand(B, generator=gen)  # noqa: E731
    ang = r(-10, 10) * math.pi / 180
    sc = r(0.9, 1.12)
    tx, ty = r(-0.06, 0.06), r(-0.06, 0.06)
    flip = (torch.rand(B, generator=gen) < 0.5).float() * -2 + 1  # -1 = flip
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0] = cos * flip; theta[:, 0, 1] = -sin; theta[:, 0, 2] = tx
    theta[:, 1, 0] = sin * flip; theta[:, 1, 1] = cos; theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    masks = F.grid_sample(masks, grid, mode="nearest", padding_mode="zeros", align_corners=False)
    c = r(0.85, 1.15).view(B, 1, 1, 1); b = r(-0.07, 0.07).view(B, 1, 1, 1)
    gam = torch.exp(r(-0.2, 0.2)).view(B, 1, 1, 1)
    x = (x.clamp(0, 1) ** gam) * c + b
    return x.clamp(0, 1), masks


# ---------------------------------------------------------------- evaluation

@torch.no_grad()
def predict(net, X, device, bs=64, hflip=False):
    net.eval()
    outs = {"fracture": [], "count": [], "parts": [], "heat": []}
    for i in range(0, len(X), bs):
        xb = torch.from_numpy(X[i:i + bs]).unsqueeze(1).to(device)
        fr, cnt, parts, heat = net(xb)
        if hflip:
            fr2, cnt2, parts2, heat2 = net(torch.flip(xb, dims=[3]))
            fr = (fr + fr2) / 2; cnt = (cnt + cnt2) / 2; parts = (parts + parts2) / 2
            heat = (heat + torch.flip(heat2, dims=[2])) / 2
        outs["fracture"].append(torch.sigmoid(fr).cpu()); outs["count"].append(torch.softmax(cnt, 1).cpu())
        outs["parts"].append(torch.sigmoid(parts).cpu()); outs["heat"].append(torch.sigmoid(heat).cpu())
    return {k: torch.cat(v).numpy() for k, v in outs.items()}


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
    # count
    cidx = [i for i, r in enumerate(rows) if r["count_cls"] >= 0]
    if cidx:
        cm, f1s, mf1 = confusion_and_f1([rows[i]["count_cls"] for i in cidx], pred["count"][cidx].argmax(1), 3)
        res["count"] = {"n": len(cidx), "classes": ["0", "1", "2+"], "confusion_matrix_rows_true_cols_pred": cm,
                        "f1_per_class": f1s, "macro_f1": mf1,
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
    return res


# ---------------------------------------------------------------- main

def main():
    a = parse()
    t_start = time.time()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed); np.random.seed(a.seed)
    device = torch.device("cuda" if (a.device == "auto" and torch.cuda.is_available()) else ("cpu" if a.device == "auto" else a.device))
    os.makedirs(a.out, exist_ok=True)
    assert a.size % 32 == 0, "--size must be a multiple of 32"

    rows = []
    for d in a.data:
        rr = read_folder(d)
        log(f"{d}: {len(rr)} images, {sum(r['fractured'] == 1 for r in rr)} fractured, {sum(r['box_known'] for r in rr)} with boxes")
        rows += rr
    if a.max_images and len(rows) > a.max_images:
        keep = sorted(np.random.RandomState(a.seed).choice(len(rows), a.max_images, replace=False))
        rows = [rows[i] for i in keep]
    rows = [r for r in rows if r["fractured"] >= 0]
    tr_idx, va_idx = split_groups(rows, a.val_fraction, a.seed, GROUP_BLOCK)
    if not va_idx or not tr_idx:
        raise SystemExit("split produced an empty train or validation set")
    log(f"split: train {len(tr_idx)} ({sum(rows[i]['fractured'] == 1 for i in tr_idx)} fx), val {len(va_idx)} ({sum(rows[i]['fractured'] == 1 for i in va_idx)} fx)")

    t0 = time.time()
    X, HW = load_tensors(rows, a.size, a.cache_dir if a.cache_dir else None)
    log(f"tensors {X.shape} in {time.time() - t0:.1f}s")
    S = a.size; G = S // a.heat_stride
    trows = [rows[i] for i in tr_idx]; vrows = [rows[i] for i in va_idx]
    Xtr, Xva = X[tr_idx], X[va_idx]
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

    net = OsteonNet(heat_stride=a.heat_stride)
    if a.init:
        load_init(net, a.init); log(f"init backbone from {a.init}")
    elif not a.weights:
        log("backbone from scratch (no --init)")
    if a.weights:
        net.load_state_dict(torch.load(a.weights, map_location="cpu")); log(f"loaded weights {a.weights}")
    net.to(device)
    ema = copy.deepcopy(net).eval() if a.ema > 0 else None
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    bs = min(a.batch_size, len(tr_idx))
    steps_per_epoch = max(1, len(tr_idx) // bs)
    total = steps_per_epoch * a.epochs
    warm = min(steps_per_epoch, max(1, total // 10))
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
    for ep in range(start_ep, a.epochs):
        net.train()
        perm = torch.randperm(len(tr_idx), generator=gen)
        t_ep = time.time(); tot = {"loss": 0.0, "fr": 0.0, "cnt": 0.0, "parts": 0.0, "heat": 0.0}; nb = 0
        for bi in range(steps_per_epoch):
            idx = perm[bi * bs:(bi + 1) * bs]
            xb = torch.from_numpy(Xtr[idx.numpy()]).unsqueeze(1)
            mb = make_masks([rects[i] for i in idx.tolist()], S)
            if not a.no_aug:
                xb, mb = augment(xb, mb, gen)
            tgt_heat = F.adaptive_max_pool2d(mb, G).squeeze(1)
            xb = xb.to(device)
            fr, cnt, parts, heat = net(xb)
            fr, cnt, parts, heat = fr.cpu(), cnt.cpu(), parts.cpu(), heat.cpu()
            yf = y_fr[idx]
            l_fr = F.binary_cross_entropy_with_logits(fr, yf, pos_weight=pos_w)
            yc = y_cnt[idx]; ck = yc >= 0
            l_cnt = F.cross_entropy(cnt[ck], yc[ck], weight=cnt_w) if ck.any() else fr.sum() * 0
            yp = y_parts[idx]; pk = yp[:, 0] >= 0
            l_parts = F.binary_cross_entropy_with_logits(parts[pk], yp[pk]) if pk.any() else fr.sum() * 0
            hk = heat_known[idx]
            if hk.any():
                l_heat = F.binary_cross_entropy_with_logits(heat[hk], tgt_heat[hk], pos_weight=torch.tensor(3.0))
            else:
                l_heat = fr.sum() * 0
            loss = l_fr + 0.5 * l_cnt + 0.3 * l_parts + a.heat_weight * l_heat
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
            for k, v in (("loss", loss), ("fr", l_fr), ("cnt", l_cnt), ("parts", l_parts), ("heat", l_heat)):
                tot[k] += float(v)
            nb += 1
            if bi % 20 == 0:
                log(f"ep {ep + 1} step {bi}/{steps_per_epoch} loss {float(loss):.3f} ({(bi + 1) * bs / (time.time() - t_ep):.1f} img/s)")
        t_train = time.time() - t_ep
        evnet = ema if ema is not None else net
        pv = predict(evnet, Xva, device)
        yv = np.array([r["fractured"] for r in vrows])
        auc = roc_auc(yv, pv["fracture"])
        thr = threshold_for_sensitivity(yv, pv["fracture"], a.sens_target)
        spec = float(((pv["fracture"] < thr) & (yv == 0)).sum() / max(1, (yv == 0).sum()))
        pg = pointing_game(vrows, HWva, pv["heat"])["pointing_game"]
        h = {"epoch": ep + 1, **{k: v / nb for k, v in tot.items()}, "val_auc": auc, "val_spec_at_sens": spec,
             "val_pointing": pg, "train_s": t_train, "img_s": len(tr_idx) / t_train, "eval_model": "ema" if ema is not None else "raw"}
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
    pv = predict(final, Xva, device)
    res = evaluate(vrows, HWva, pv, None, a.sens_target, peak_method=a.peak_method)
    extra = {}
    if ema is not None and a.epochs > 0:
        pr = predict(net, Xva, device)
        extra["raw_weights_val_auc"] = roc_auc([r["fractured"] for r in vrows], pr["fracture"])
        extra["ema_weights_val_auc"] = res["fracture_all"]["roc_auc"]
    if a.hflip_tta:
        pt = predict(final, Xva, device, hflip=True)
        rt = evaluate(vrows, HWva, pt, None, a.sens_target, n_boot=0, peak_method=a.peak_method)
        extra["hflip_tta"] = {"roc_auc": rt["fracture_all"]["roc_auc"], "at_threshold": rt["fracture_all"]["at_threshold"],
                              "pointing_game": rt["localisation"]["pointing_game"]}
    with open(os.path.join(a.out, "val_predictions.csv"), "w") as f:
        f.write("dir,image_id,fractured,count_cls,hardware,p_fracture,p_count0,p_count1,p_count2,p_hand,p_leg,p_hip,p_shoulder\n")
        for r, pf, pc, pp in zip(vrows, pv["fracture"], pv["count"], pv["parts"]):
            f.write(f"{r['dir']},{r['image_id']},{r['fractured']},{r['count_cls']},{r['hardware']},{pf:.6f}," + ",".join(f"{v:.6f}" for v in list(pc) + list(pp)) + "\n")

    # ---- ONNX export
    onnx_path = os.path.join(a.out, "model.onnx")
    wrap = ExportWrapper(copy.deepcopy(final).cpu()).eval()
    dummy = torch.from_numpy(Xva[:2]).unsqueeze(1).float()
    names = ["fracture_prob", "count_probs", "body_part_probs", "heatmap"]
    torch.onnx.export(wrap, dummy, onnx_path, opset_version=13, input_names=["image"], output_names=names,
                      dynamic_axes={"image": {0: "N"}, **{n: {0: "N"} for n in names}}, do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    parity = ort_check(a, onnx_path, wrap, Xva, S)
    log(f"onnx parity: {parity}")

    train_info = {
        "datasets": a.data, "n_images": len(rows), "n_train": len(tr_idx), "n_val": len(va_idx),
        "n_train_fractured": int(npos), "n_val_fractured": int(sum(r["fractured"] == 1 for r in vrows)),
        "epochs": a.epochs, "batch_size": bs, "optimizer": f"AdamW lr {a.lr} wd {a.weight_decay}, 1-epoch linear warm-up then cosine",
        "ema_decay": a.ema, "losses": "BCE(fracture, pos_weight=sqrt(neg/pos)) + 0.5*CE(count, sqrt-inverse-frequency class weights) + 0.3*BCE(body parts) + "
        f"{a.heat_weight}*BCE(heat-map cells vs box mask max-pooled to {G}x{G}, pos_weight 3; fractured images with boxes and all non-fractured images)",
        "augmentation": "none" if a.no_aug else "horizontal flip p=0.5, rotation +-10 deg, scale 0.9-1.12, translation +-6%, gamma exp(+-0.2), contrast 0.85-1.15, brightness +-0.07 (on the preprocessed tensor; boxes transformed identically)",
        "init": ("nsfwjs 4.4.0 MobileNetV2 backbone (ImageNet-derived, MIT), converted by training/convert_nsfwjs.py" if a.init else "random (from scratch)"),
        "seed": a.seed, "device": str(device), "threads": a.threads, "torch": torch.__version__,
        "host": platform.processor() or platform.machine(), "wall_time_s": None, "history": history,
    }
    split = {"method": f"stratified group split: groups = blocks of {GROUP_BLOCK} consecutive numeric image ids (int(last digit run of image_id) // {GROUP_BLOCK}) per data folder; "
             "groups shuffled with numpy RandomState(seed).permutation over groups sorted by (folder, block), then stably sorted by number of fractured images (descending); "
             f"group k (0-based) goes to validation when floor((k+1)*f) > floor(k*f), f = val_fraction",
             "seed": a.seed, "val_fraction": a.val_fraction, "group_block": GROUP_BLOCK, "max_images": a.max_images,
             "val_image_ids": [r["image_id"] for r in vrows]}
    train_info["wall_time_s"] = round(time.time() - t_start, 1)
    if a.weights and a.epochs == 0:
        train_info["exported_from_checkpoint"] = os.path.abspath(a.weights)
        hp = os.path.join(os.path.dirname(os.path.abspath(a.weights)), "history.json")
        if os.path.exists(hp):
            with open(hp) as f:
                train_info["history"] = json.load(f)
            train_info["note"] = "evaluate/export-only run (--epochs 0) of a checkpoint; 'history' is the training run's per-epoch log up to the last saved epoch"
    card = build_card(a, S, G, res, extra, parity, train_info, split)
    with open(os.path.join(a.out, "model-card.json"), "w") as f:
        json.dump(card, f, indent=2)
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump({"validation": res, "extra": extra, "history": history}, f, indent=2)
    log(f"done in {time.time() - t_start:.0f}s: val AUC {res['fracture_all']['roc_auc']} thr {res['threshold']:.4f} "
        f"spec {res['fracture_all']['at_threshold']['specificity']} pointing {res['localisation']['pointing_game']} extra {extra}")


def ort_check(a, onnx_path, wrap, Xva, S):
    n = min(4, len(Xva))
    x = torch.from_numpy(Xva[:n]).unsqueeze(1).float()
    with torch.no_grad():
        ref = [t.numpy() for t in wrap(x)]
    names = ["fracture_prob", "count_probs", "body_part_probs", "heatmap"]
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


def build_card(a, S, G, res, extra, parity, train_info, split):
    return {
        "name": "osteon-fracture",
        "version": a.version,
        "createdAt": dt.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "intendedUse": "Decision support / triage hint for emergency musculoskeletal X-ray (hand, leg, hip, shoulder). Not a diagnostic device; every film must still be read by a clinician.",
        "architecture": {
            "backbone": "torchvision MobileNetV2 features (width 1.0), BatchNorm eps 1e-3, stride-2 convolutions padded Keras-style (bottom/right)",
            "heads": {"fracture": "global average pool -> dropout 0.2 -> linear 1280->1 -> sigmoid",
                      "count": "global average pool -> linear 1280->3 -> softmax (classes 0, 1, 2+)",
                      "body_part": "global average pool -> linear 1280->4 -> sigmoid (multi-label: hand, leg, hip, shoulder)",
                      "heatmap": HEATMAP_HEADS[a.heat_stride].format(G=G)},
            "input_normalisation_in_graph": "replicate 1 channel to 3, then (x - 0.5) / 0.5",
            "parameters": int(sum(p.numel() for p in OsteonNet(heat_stride=a.heat_stride).parameters())),
        },
        "trainingData": {
            "dataset": "FracAtlas (development split at /work/shared/datasets/fracatlas: 3,473 images; a further ~15% of FracAtlas is held out by the project for independent evaluation and was not used)" if any("fracatlas" in d.lower() for d in a.data) else "custom",
            "citation": "Abedeen I., Rahman M.A., Prottyasha F.Z. et al. \"FracAtlas: A Dataset for Fracture Classification, Localization and Segmentation of Musculoskeletal Radiographs.\" Scientific Data 10, 521 (2023). https://doi.org/10.1038/s41597-023-02432-4",
            "data_doi": "https://doi.org/10.6084/m9.figshare.22363012",
            "licence": "CC BY 4.0",
            "initialWeights": "MobileNetV2 backbone (ImageNet-derived Keras weights) taken from the npm package nsfwjs 4.4.0 (MIT licence, https://github.com/infinitered/nsfwjs), converted with training/convert_nsfwjs.py" if a.init else "none (random initialisation)",
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
        "outputs": [
            {"name": "fracture_prob", "shape": ["N"], "dtype": "float32", "meaning": "probability a fracture is present"},
            {"name": "count_probs", "shape": ["N", 3], "dtype": "float32", "meaning": "softmax over fracture count classes [0, 1, 2+]"},
            {"name": "body_part_probs", "shape": ["N", 4], "dtype": "float32", "meaning": "independent sigmoid probabilities, order [hand, leg, hip, shoulder]"},
            {"name": "heatmap", "shape": ["N", G, G], "dtype": "float32", "meaning": f"per-cell fracture probability on a {G}x{G} grid over the letterboxed square (row-major, row 0 = top). Cell (i, j) covers square pixels [j*M/{G}, (j+1)*M/{G}) x [i*M/{G}, (i+1)*M/{G}); original x = square x - pad_left, y = square y - pad_top"},
        ],
        "heatmap_peak": {"method": a.peak_method, "reference_implementation": "training/peaks.py (peak_point); engine src/inference/heatmap-peak.ts",
                         "meaning": "the heat map's single 'where' point: first maximum (row-major), then the method's sub-cell refinement"},
        "onnx": {"opset": 13, "file_input_name": "image", "dynamic_batch": True, "parity_check": parity},
        "threshold": {"value": res["threshold"], "sensitivity_target": a.sens_target,
                      "rule": "largest threshold on fracture_prob giving validation sensitivity >= target; flag fracture when fracture_prob >= value"},
        "validation": {"split": split, "metrics": res, "extra": extra},
        "knownLimits": [
            "FracAtlas has no patient identifiers; the validation split groups 20 consecutive image ids to reduce (not remove) same-patient leakage, so validation metrics may be optimistic.",
            "Single source (FracAtlas radiographs from hospitals in Bangladesh); no external-site validation; scanner, population and protocol shift untested.",
            "Age of patients is not recorded in FracAtlas; paediatric films and growth plates are not characterised.",
            "97 of 99 hardware=1 (implant) images are fractured: the model may use implants as a shortcut. Metrics are reported with and without those images.",
            "Only hand, leg, hip and shoulder regions; other anatomy (spine, skull, chest, wrist series per se) is out of scope.",
            "The 2+ fracture count class is small (about 4%); count predictions are unreliable.",
            "The heat map is coarse (one cell = 1/{0} of the letterboxed side) and is a localisation hint, not a segmentation.".format(G),
            "Threshold chosen on the same validation split the metrics are reported on; expect somewhat lower sensitivity/specificity on new data.",
            "About 87 non-fractured source JPEGs were truncated (partly grey) in FracAtlas.",
        ],
    }


if __name__ == "__main__":
    main()
