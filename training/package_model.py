"""Copy a training run into models/ as a versioned release and point models/current.json at it.

usage: /usr/bin/python3 training/package_model.py --run /tmp/run --version 2.0.0 [--models models] [--no-checkpoint]
         [--no-current] [--reproduce "command"]
Writes models/osteon-fracture-<v>.onnx, models/osteon-fracture-<v>.card.json, the training checkpoint
models/osteon-fracture-<v>.pt (fp16 state dict + architecture; what `train.py --finetune-from` starts
from) when the run has one, models/current.json and models/MODEL_CARD.md (human summary generated from
the card) unless --no-current.
"""
import argparse
import hashlib
import json
import os
import shutil


def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def fmt(v, d=3):
    return "n/a" if v is None else (f"{v:.{d}f}" if isinstance(v, float) else str(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--models", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models"))
    ap.add_argument("--reproduce", default="", help="command line that reproduces the run (stored in the card)")
    ap.add_argument("--no-checkpoint", action="store_true", help="do not ship the training checkpoint")
    ap.add_argument("--checkpoint-fp32", action="store_true",
                    help="ship the final weights in fp32 (the run's model.pt), so a fine-tune starts from exactly the shipped "
                         "network (fp16 moves the outputs by ~5e-3); twice the size")
    ap.add_argument("--no-current", action="store_true", help="write the release files only; leave current.json and MODEL_CARD.md")
    a = ap.parse_args()
    os.makedirs(a.models, exist_ok=True)
    base = f"osteon-fracture-{a.version}"
    onnx_dst = os.path.join(a.models, base + ".onnx")
    shutil.copyfile(os.path.join(a.run, "model.onnx"), onnx_dst)
    with open(os.path.join(a.run, "model-card.json")) as f:
        card = json.load(f)
    card["version"] = a.version
    card["files"] = {"onnx": base + ".onnx", "onnx_sha256": sha256(onnx_dst), "onnx_bytes": os.path.getsize(onnx_dst)}
    ck_src = os.path.join(a.run, "model_fp16.pt")
    if os.path.exists(ck_src) and not a.no_checkpoint:
        ck_dst = os.path.join(a.models, base + ".pt")
        if a.checkpoint_fp32:
            import torch
            config = torch.load(ck_src, map_location="cpu")["config"]
            torch.save({"format": "osteon-checkpoint-1", "config": config,
                        "state_dict": torch.load(os.path.join(a.run, "model.pt"), map_location="cpu")}, ck_dst)
        else:
            shutil.copyfile(ck_src, ck_dst)
        card["files"].update({"checkpoint": base + ".pt", "checkpoint_sha256": sha256(ck_dst), "checkpoint_bytes": os.path.getsize(ck_dst),
                              "checkpoint_format": "torch.save({format: 'osteon-checkpoint-1', config: architecture config incl. S, "
                                                   f"state_dict: {'fp32' if a.checkpoint_fp32 else 'fp16'} EMA weights}}); "
                                                   "training/train.py --finetune-from <models dir> starts from it"})
    if a.reproduce:
        card["reproduce"] = a.reproduce
    with open(os.path.join(a.models, base + ".card.json"), "w") as f:
        json.dump(card, f, indent=2)
    S = card["preprocessing"]["S"]
    cur = {"version": a.version, "model": base + ".onnx", "card": base + ".card.json", "sha256": card["files"]["onnx_sha256"],
           "inputSize": S, "threshold": card["threshold"]["value"],
           "outputs": [o["name"] for o in card["outputs"]]}
    if a.no_current:
        print("packaged", base, "(current.json untouched)")
        return
    with open(os.path.join(a.models, "current.json"), "w") as f:
        json.dump(cur, f, indent=2)
    with open(os.path.join(a.models, "MODEL_CARD.md"), "w") as f:
        f.write(model_card_markdown(card, base))
    print("packaged", base, cur)


def model_card_markdown(card, base):
    S = card["preprocessing"]["S"]
    m = card["validation"]["metrics"]
    fa, fn = m["fracture_all"], m["fracture_without_hardware"]
    t = fa["at_threshold"]; tn = fn["at_threshold"]
    loc = m["localisation"]; cnt = m.get("count", {}); bp = m.get("body_part", {})
    par = card["onnx"]["parity_check"]
    heat = next(o for o in card["outputs"] if o["name"] == "heatmap")
    det = card.get("detection")
    cal = card.get("calibration") or {"method": "none"}
    split_name = m.get("evaluation_split", "validation")
    on_v1 = card["architecture"].get("config", {}).get("arch") == "v1box"  # the heat map is the v1 map, not the centre map
    derived = card.get("derivedFrom") or {}
    what = ("a multi-task MobileNetV2 with a light feature pyramid and an anchor-free box head" if det else "a multi-task MobileNetV2")
    outputs_line = (f"- `fracture_prob` `[N]`{' (calibrated, see below)' if cal.get('method') != 'none' else ''}; `count_probs` `[N,3]`; "
                    f"`body_part_probs` `[N,4]` (hand, leg, hip, shoulder);\n  `heatmap` `[N,{heat['shape'][1]},{heat['shape'][2]}]` over the letterboxed square")
    if det:
        outputs_line += (f" ({'the fracture heat map of ' + str(derived.get('version', 'the base release')) if on_v1 else 'the box head' + chr(39) + 's centre map'})."
                         f"\n- `boxes` `[N,{det['top_k']},4]`: x1, y1, x2, y2 as fractions of the **letterboxed square's** side "
                         "(not clipped), best first; on the original image x = x_sq * M - pad_left, y = y_sq * M - pad_top (M = max(H, W)), then clip.\n"
                         f"- `box_scores` `[N,{det['top_k']}]`: the centre-map probability of each box (not calibrated), descending; 0 marks padding.")
    else:
        outputs_line += "."
    md = f"""# Osteon fracture model — `{base}`

Generated from `{base}.card.json` (the machine-readable card; it has every number and the exact
preprocessing). Active version: see `current.json`.

**What it is:** {what} ({card['architecture']['parameters']:,} parameters, ONNX opset 13,
{card['files']['onnx_bytes'] / 1e6:.1f} MB) that takes one greyscale radiograph and returns the probability of a
fracture, a fracture-count class (0 / 1 / 2+), body-part probabilities (hand, leg, hip, shoulder),
{('fracture boxes with scores and a coarse fracture heat map' if on_v1 else 'fracture boxes with scores and the centre heat map they come from') if det else 'and a coarse ' + str(heat['shape'][1]) + 'x' + str(heat['shape'][2]) + ' fracture heat map'}. It is a triage / decision-support hint for emergency
X-ray, **not a diagnosis**; every film must still be read by a clinician.

## Input / output
- `image` float32 `[N,1,{S},{S}]`, values 0..1: grey 0..255 -> zero-pad to a centred square
  (pad_before = floor(diff/2)) -> adaptive-average-pool to {S}x{S} -> /255. Exact rules: card `preprocessing`,
  reference code `training/preprocess.py`.
{outputs_line}
- Operating point: flag a fracture when `fracture_prob >= {card['threshold']['value']:.4f}` (chosen on {split_name} for
  sensitivity >= {card['threshold']['sensitivity_target']:.2f}, halfway to the next lower score).
- ONNX vs PyTorch (onnxruntime-node): max abs diff {format(par['max_abs_diff'], '.1e') if par.get('checked') else 'not checked'} over {par.get('n_images', 0)} {split_name} images, every output (tolerance 1e-4).
"""
    graft = card["onnx"].get("graft")
    if graft:
        md += (f"- The file is `{graft['base_onnx']}`'s graph unchanged plus the box branch (`training/graft_box_head.py`): fracture, count, "
               f"body-part and heat-map outputs equal the base release's to the bit (max abs diff {graft['v1_outputs_max_abs_diff_vs_base']}); "
               f"boxes within {graft['box_outputs_max_abs_diff_vs_run_export']:.1e} of the trained network's export.\n")
    if derived:
        md += f"- Derived from {derived.get('version')}: {derived.get('how')}.\n"
    if card["files"].get("checkpoint"):
        md += (f"- Training checkpoint `{card['files']['checkpoint']}` ({card['files']['checkpoint_bytes'] / 1e6:.1f} MB, {'fp32' if 'fp32' in card['files'].get('checkpoint_format', '') else 'fp16'}): retraining "
               "fine-tunes from it (`training/train.py --finetune-from <models dir>`).\n")
    md += f"""
## {split_name.capitalize()} (FracAtlas, {fa['n']} images, {fa['n_positive']} fractured; group split, see card)
| | all images | without hardware=1 |
|---|---|---|
| ROC-AUC (95% CI) | {fmt(fa['roc_auc'])} ({fmt(fa.get('roc_auc_ci95', [None])[0])}–{fmt(fa.get('roc_auc_ci95', [None, None])[1])}) | {fmt(fn['roc_auc'])} ({fmt(fn.get('roc_auc_ci95', [None])[0])}–{fmt(fn.get('roc_auc_ci95', [None, None])[1])}) |
| PR-AUC | {fmt(fa['pr_auc'])} | {fmt(fn['pr_auc'])} |
| sensitivity at threshold | {fmt(t['sensitivity'])} | {fmt(tn['sensitivity'])} |
| specificity at threshold | {fmt(t['specificity'])} | {fmt(tn['specificity'])} |
| accuracy at threshold | {fmt(t['accuracy'])} | {fmt(tn['accuracy'])} |

- ROC-AUC by body part: {', '.join(f"{k} {fmt(v['roc_auc'])} ({v['n_positive']}/{v['n']})" for k, v in m.get('fracture_by_body_part', {}).items())} (fractured/images).
- Fracture count 0/1/2+: macro-F1 {fmt(cnt.get('macro_f1'))}, accuracy {fmt(cnt.get('accuracy'))}, recall of 2+ {fmt(cnt.get('recall_2plus'))}; confusion (rows true, cols predicted) {cnt.get('confusion_matrix_rows_true_cols_pred')}.
- Body part: per-part accuracy {', '.join(f'{k} {fmt(v)}' for k, v in bp.get('accuracy_per_part_at_0.5', {}).items())}; AUC {', '.join(f'{k} {fmt(v)}' for k, v in bp.get('auc_per_part', {}).items())}.
"""
    if det:
        d = m["detection"]
        md += (f"- Boxes: AP50 {fmt(d['ap50_all_images'])} over {d['n_images']} images with known localisation ({d['n_gt_boxes']} fracture boxes; "
               f"non-fractured images included, they add only false positives); {fmt(d['ap50_fractured_images_only'])} on fractured images only. "
               f"Top box centre inside a fracture box (pointing game): {fmt(d['top_box_pointing_game'])} of {d['n_images_with_boxes']} fractured images.\n"
               f"- Heat map {'' if on_v1 else '(centre map) '}peak by `{loc.get('peak_method', 'cell-centre')}` inside a fracture box: {fmt(loc['pointing_game'])}.\n")
    else:
        md += (f"- Heat map pointing game (peak point by `{loc.get('peak_method', 'cell-centre')}` inside a fracture box, {loc['n']} fractured images): "
               f"{fmt(loc['pointing_game'])}; peak cell overlaps a box: {fmt(loc['peak_cell_overlaps_box'])}.\n")
    md += f"- These are {split_name} numbers (the threshold{' and the calibration were' if cal.get('method') != 'none' else ' was'} also fixed on this split); an independent FracAtlas hold-out is evaluated separately by the project.\n"
    md += calibration_markdown(cal, m)
    md += "\n## Known limits\n" + "\n".join(f"- {x}" for x in card["knownLimits"]) + f"""

## Data and licences
- Trained on FracAtlas, CC BY 4.0: {card['trainingData']['citation']} Data: {card['trainingData']['data_doi']}
- Initial backbone weights: {card['trainingData']['initialWeights']}.
- Reproduce: see `training/README.md`.
"""
    return md


def calibration_markdown(cal, m):
    e = m.get("calibration", {})
    if cal.get("method", "none") == "none":
        return f"- Calibration: none; expected calibration error (10 bins) {fmt(e.get('ece_10_bins'))}.\n"
    rows_u = cal["reliability_diagram_uncalibrated"]
    rows_c = cal["reliability_diagram_crossfit"]
    rows_i = e.get("reliability_diagram") or [None] * len(rows_u)
    out = f"""
## Calibration
`fracture_prob = sigmoid(a * logit + b)` with a = {cal['a']:.4f}, b = {cal['b']:.4f} ({cal['method']} scaling; temperature
1/a = {cal['temperature']:.3f}), fitted on the evaluation split and built into the ONNX graph, so the engine, the report
and the patient PDF use the calibrated probability. Expected calibration error (10 equal-width bins):
{fmt(cal['ece_uncalibrated'])} before; **{fmt(cal['ece_calibrated_crossfit'])} cross-fitted** (fitted on one half of the 20-id groups,
measured on the other, both ways: not measured on the data it was fitted on); {fmt(cal['ece_calibrated_in_sample'])} in-sample.

Reliability diagram (fracture_prob bins; n images, mean predicted -> observed fraction fractured):

| bin | uncalibrated | calibrated, cross-fitted | calibrated (shipped), in-sample |
|---|---|---|---|
"""
    cell = lambda r: "—" if not r or not r["n"] else f"{r['n']}: {r['mean_predicted']:.2f} -> {r['observed_fraction']:.2f}"  # noqa: E731
    for ru, rc, ri in zip(rows_u, rows_c, rows_i):
        out += f"| {ru['bin'][0]:.1f}–{ru['bin'][1]:.1f} | {cell(ru)} | {cell(rc)} | {cell(ri)} |\n"
    return out


if __name__ == "__main__":
    main()
