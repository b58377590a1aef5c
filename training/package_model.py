"""Copy a training run into models/ as a versioned release and point models/current.json at it.

usage: /usr/bin/python3 training/package_model.py --run /tmp/run --version 1.0.0 [--models models]
Writes models/osteon-fracture-<v>.onnx, models/osteon-fracture-<v>.card.json, models/current.json,
models/MODEL_CARD.md (human summary generated from the card).
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
    a = ap.parse_args()
    os.makedirs(a.models, exist_ok=True)
    base = f"osteon-fracture-{a.version}"
    onnx_dst = os.path.join(a.models, base + ".onnx")
    shutil.copyfile(os.path.join(a.run, "model.onnx"), onnx_dst)
    with open(os.path.join(a.run, "model-card.json")) as f:
        card = json.load(f)
    card["version"] = a.version
    card["files"] = {"onnx": base + ".onnx", "onnx_sha256": sha256(onnx_dst), "onnx_bytes": os.path.getsize(onnx_dst)}
    if a.reproduce:
        card["reproduce"] = a.reproduce
    with open(os.path.join(a.models, base + ".card.json"), "w") as f:
        json.dump(card, f, indent=2)
    S = card["preprocessing"]["S"]
    cur = {"version": a.version, "model": base + ".onnx", "card": base + ".card.json", "sha256": card["files"]["onnx_sha256"],
           "inputSize": S, "threshold": card["threshold"]["value"],
           "outputs": [o["name"] for o in card["outputs"]]}
    with open(os.path.join(a.models, "current.json"), "w") as f:
        json.dump(cur, f, indent=2)
    m = card["validation"]["metrics"]
    fa, fn = m["fracture_all"], m["fracture_without_hardware"]
    t = fa["at_threshold"]; tn = fn["at_threshold"]
    loc = m["localisation"]; cnt = m.get("count", {}); bp = m.get("body_part", {})
    par = card["onnx"]["parity_check"]
    md = f"""# Osteon fracture model — `{base}`

Generated from `{base}.card.json` (the machine-readable card; it has every number and the exact
preprocessing). Active version: see `current.json`.

**What it is:** a multi-task MobileNetV2 ({card['architecture']['parameters']:,} parameters, ONNX opset 13,
{card['files']['onnx_bytes'] / 1e6:.1f} MB) that takes one greyscale radiograph and returns the probability of a
fracture, a fracture-count class (0 / 1 / 2+), body-part probabilities (hand, leg, hip, shoulder) and a coarse
{card['outputs'][3]['shape'][1]}x{card['outputs'][3]['shape'][2]} fracture heat map. It is a triage / decision-support hint for emergency
X-ray, **not a diagnosis**; every film must still be read by a clinician.

## Input / output
- `image` float32 `[N,1,{S},{S}]`, values 0..1: grey 0..255 -> zero-pad to a centred square
  (pad_before = floor(diff/2)) -> adaptive-average-pool to {S}x{S} -> /255. Exact rules: card `preprocessing`,
  reference code `training/preprocess.py`.
- `fracture_prob` `[N]`; `count_probs` `[N,3]`; `body_part_probs` `[N,4]` (hand, leg, hip, shoulder);
  `heatmap` `[N,{card['outputs'][3]['shape'][1]},{card['outputs'][3]['shape'][2]}]` over the letterboxed square.
- Operating point: flag a fracture when `fracture_prob >= {card['threshold']['value']:.4f}` (chosen on validation for
  sensitivity >= {card['threshold']['sensitivity_target']:.2f}).
- ONNX vs PyTorch (onnxruntime-node): max abs diff {format(par['max_abs_diff'], '.1e') if par.get('checked') else 'not checked'} over {par.get('n_images', 0)} validation images (tolerance 1e-4).

## Validation (FracAtlas, {fa['n']} images, {fa['n_positive']} fractured; group split, see card)
| | all images | without hardware=1 |
|---|---|---|
| ROC-AUC (95% CI) | {fmt(fa['roc_auc'])} ({fmt(fa.get('roc_auc_ci95', [None])[0])}–{fmt(fa.get('roc_auc_ci95', [None, None])[1])}) | {fmt(fn['roc_auc'])} ({fmt(fn.get('roc_auc_ci95', [None])[0])}–{fmt(fn.get('roc_auc_ci95', [None, None])[1])}) |
| PR-AUC | {fmt(fa['pr_auc'])} | {fmt(fn['pr_auc'])} |
| sensitivity at threshold | {fmt(t['sensitivity'])} | {fmt(tn['sensitivity'])} |
| specificity at threshold | {fmt(t['specificity'])} | {fmt(tn['specificity'])} |
| accuracy at threshold | {fmt(t['accuracy'])} | {fmt(tn['accuracy'])} |

- Fracture count 0/1/2+: macro-F1 {fmt(cnt.get('macro_f1'))}, accuracy {fmt(cnt.get('accuracy'))}; confusion (rows true, cols predicted) {cnt.get('confusion_matrix_rows_true_cols_pred')}.
- Body part: per-part accuracy {', '.join(f'{k} {fmt(v)}' for k, v in bp.get('accuracy_per_part_at_0.5', {}).items())}; AUC {', '.join(f'{k} {fmt(v)}' for k, v in bp.get('auc_per_part', {}).items())}.
- Heat map pointing game (peak point by `{loc.get('peak_method', 'cell-centre')}` inside a fracture box, {loc['n']} fractured validation images): {fmt(loc['pointing_game'])}; peak cell overlaps a box: {fmt(loc['peak_cell_overlaps_box'])}.
- These are validation numbers (the threshold was also fixed on this split); an independent FracAtlas hold-out is evaluated separately by the project.

## Known limits
""" + "\n".join(f"- {x}" for x in card["knownLimits"]) + f"""

## Data and licences
- Trained on FracAtlas, CC BY 4.0: {card['trainingData']['citation']} Data: {card['trainingData']['data_doi']}
- Initial backbone weights: {card['trainingData']['initialWeights']}.
- Reproduce: see `training/README.md`.
"""
    with open(os.path.join(a.models, "MODEL_CARD.md"), "w") as f:
        f.write(md)
    print("packaged", base, cur)


if __name__ == "__main__":
    main()
