import type { Box, LabelledImage } from './evaluation-labels';
import { pointInBox } from './evaluation-labels';
import { auroc, averagePrecision, binaryAtThreshold, macroF1 } from './metrics';
import { COUNT_CLASSES, type BodyPart, type CountClass } from './model-card';

export interface ImagePrediction {
  readonly imageId: string;
  readonly fractureProbability: number;
  readonly countClass: CountClass;
  readonly modelBodyPart: BodyPart;
  readonly peak: { readonly x: number; readonly y: number };
  readonly totalMs: number;
}

export interface EvaluationReport {
  readonly modelVersion: string;
  readonly n: number;
  readonly nFractured: number;
  readonly auroc: number | null;
  readonly prAuc: number | null;
  readonly threshold: number;
  readonly sensitivity: number | null;
  readonly specificity: number | null;
  readonly accuracy: number | null;
  readonly confusion: { tp: number; fp: number; tn: number; fn: number };
  readonly countMacroF1: number | null;
  readonly countN: number;
  readonly bodyPartAccuracy: number | null;
  readonly bodyPartN: number;
  readonly auroc_noHardware: number | null;
  readonly prAuc_noHardware: number | null;
  readonly nNoHardware: number;
  readonly pointingGame?: number | null;
  readonly pointingGameN?: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number };
}

/**
 * The engine's own view of a labelled set: fracture discrimination and the operating point,
 * count macro-F1 (trainer's rules), top-1 body part, and the heat-map pointing game.
 */
export function evaluate(
  labels: readonly LabelledImage[],
  predictions: ReadonlyMap<string, ImagePrediction>,
  modelVersion: string,
  threshold: number,
  boxes?: ReadonlyMap<string, readonly Box[]>,
): EvaluationReport {
  const rows = labels.map((label) => {
    const prediction = predictions.get(label.imageId);
    if (!prediction) throw new Error(`no prediction for ${label.imageId}`);
    return { label, prediction };
  });
  const known = rows.filter(({ label }) => label.fractured === 0 || label.fractured === 1);
  const y = known.map(({ label }) => label.fractured);
  const p = known.map(({ prediction }) => prediction.fractureProbability);
  const atThreshold = binaryAtThreshold(y, p, threshold);
  const noHardware = known.filter(({ label }) => label.hardware !== 1);
  const counted = rows.filter(({ label }) => label.countClass >= 0);
  const count = macroF1(
    counted.map(({ label }) => label.countClass),
    counted.map(({ prediction }) => COUNT_CLASSES.indexOf(prediction.countClass)),
    COUNT_CLASSES.length,
  );
  const withParts = rows.filter(({ label }) => label.hasBodyPartFlags);
  const report: EvaluationReport = {
    modelVersion,
    n: rows.length,
    nFractured: y.filter((value) => value === 1).length,
    auroc: auroc(y, p),
    prAuc: averagePrecision(y, p),
    threshold,
    sensitivity: atThreshold.sensitivity,
    specificity: atThreshold.specificity,
    accuracy: atThreshold.accuracy,
    confusion: {
      tp: atThreshold.truePositives,
      fp: atThreshold.falsePositives,
      tn: atThreshold.trueNegatives,
      fn: atThreshold.falseNegatives,
    },
    countMacroF1: count.macroF1,
    countN: counted.length,
    bodyPartAccuracy: share(
      withParts.filter(({ label, prediction }) => label.bodyParts.has(prediction.modelBodyPart)).length,
      withParts.length,
    ),
    bodyPartN: withParts.length,
    auroc_noHardware: auroc(
      noHardware.map(({ label }) => label.fractured),
      noHardware.map(({ prediction }) => prediction.fractureProbability),
    ),
    prAuc_noHardware: averagePrecision(
      noHardware.map(({ label }) => label.fractured),
      noHardware.map(({ prediction }) => prediction.fractureProbability),
    ),
    nNoHardware: noHardware.length,
    latencyMs: {
      p50: percentile(
        rows.map(({ prediction }) => prediction.totalMs),
        0.5,
      ),
      p95: percentile(
        rows.map(({ prediction }) => prediction.totalMs),
        0.95,
      ),
    },
  };
  if (!boxes) return report;
  const boxed = rows.filter(({ label }) => label.fractured === 1 && (boxes.get(label.imageId)?.length ?? 0) > 0);
  const hits = boxed.filter(({ label, prediction }) => boxes.get(label.imageId)!.some((box) => pointInBox(prediction.peak, box))).length;
  return { ...report, pointingGame: share(hits, boxed.length), pointingGameN: boxed.length };
}

function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
