import type { Box, LabelledImage } from './evaluation-labels';
import { pointInBox } from './evaluation-labels';
import type { FractureBox } from './fracture-boxes';
import {
  auroc,
  averagePrecision,
  binaryAtThreshold,
  detectionAveragePrecision,
  expectedCalibrationError,
  macroF1,
  type CalibrationBin,
  type Rect,
} from './metrics';
import { BODY_PARTS, COUNT_CLASSES, type BodyPart, type CountClass } from './model-card';

export interface ImagePrediction {
  readonly imageId: string;
  readonly fractureProbability: number;
  readonly countClass: CountClass;
  /** The model's count head, for studies of how the count is decoded (evaluate's JSON). */
  readonly countProbabilities?: Readonly<Record<CountClass, number>>;
  readonly modelBodyPart: BodyPart;
  readonly peak: { readonly x: number; readonly y: number };
  /** Models with a box head: boxes on the original image (fractions of its sides), best first. */
  readonly boxes?: readonly FractureBox[];
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
  /** Fractured images whose "where" lies in one of their boxes: the top box's centre when the model has boxes, else the heat-map peak. */
  readonly pointingGame?: number | null;
  readonly pointingGameN?: number;
  readonly pointingGameRule?: 'top-box-centre' | 'heatmap-peak';
  /** Box AP at IoU >= 0.5 over every image with known localisation (non-fractured images add only false positives); models with boxes. */
  readonly ap50?: number | null;
  readonly ap50Images?: number;
  readonly ap50Boxes?: number;
  /** Expected calibration error of the fracture probability, 10 equal-width bins. */
  readonly ece: number | null;
  /** Brier score: mean squared difference between the fracture probability and the label (0 = perfect). */
  readonly brier: number | null;
  readonly reliability: readonly CalibrationBin[];
  /** Share of 2+ images (count known) predicted 2+. */
  readonly count2PlusRecall: number | null;
  readonly count2PlusN: number;
  /** ROC-AUC of the fracture probability on the images labelled with each body part. */
  readonly auroc_hand: number | null;
  readonly auroc_leg: number | null;
  readonly auroc_hip: number | null;
  readonly auroc_shoulder: number | null;
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
  const twoPlus = counted.filter(({ label }) => label.countClass === 2);
  const calibration = expectedCalibrationError(y, p);
  const partAuroc = (part: BodyPart): number | null => {
    const withPart = known.filter(({ label }) => label.bodyParts.has(part));
    return auroc(
      withPart.map(({ label }) => label.fractured),
      withPart.map(({ prediction }) => prediction.fractureProbability),
    );
  };
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
    ece: calibration.ece,
    brier: y.length > 0 ? y.reduce((sum, label, i) => sum + (p[i]! - label) ** 2, 0) / y.length : null,
    reliability: calibration.bins,
    count2PlusRecall: share(twoPlus.filter(({ prediction }) => prediction.countClass === '2+').length, twoPlus.length),
    count2PlusN: twoPlus.length,
    ...(Object.fromEntries(BODY_PARTS.map((part) => [`auroc_${part}`, partAuroc(part)])) as Record<`auroc_${BodyPart}`, number | null>),
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
  const modelHasBoxes = rows.some(({ prediction }) => prediction.boxes !== undefined);
  const where = (prediction: ImagePrediction): { x: number; y: number } | undefined => {
    if (!modelHasBoxes) return prediction.peak;
    const top = topBox(prediction.boxes ?? []);
    return top ? { x: (top.x1 + top.x2) / 2, y: (top.y1 + top.y2) / 2 } : undefined;
  };
  const hits = boxed.filter(({ label, prediction }) => {
    const point = where(prediction);
    return point !== undefined && boxes.get(label.imageId)!.some((box) => pointInBox(point, box));
  }).length;
  const pointing = {
    pointingGame: share(hits, boxed.length),
    pointingGameN: boxed.length,
    pointingGameRule: modelHasBoxes ? ('top-box-centre' as const) : ('heatmap-peak' as const),
  };
  if (!modelHasBoxes) return { ...report, ...pointing };
  // AP50 over the images whose localisation is known: not fractured (no box) or fractured with boxes.
  const localised = known.filter(({ label }) => label.fractured === 0 || (boxes.get(label.imageId)?.length ?? 0) > 0);
  const truth = new Map(localised.map(({ label }) => [label.imageId, (boxes.get(label.imageId) ?? []).map(boxCorners)]));
  const predicted = new Map(localised.map(({ label, prediction }) => [label.imageId, prediction.boxes ?? []]));
  const ap50Boxes = [...truth.values()].reduce((sum, list) => sum + list.length, 0);
  return { ...report, ...pointing, ap50: detectionAveragePrecision(truth, predicted, 0.5), ap50Images: localised.length, ap50Boxes };
}

/** The highest-scoring box; the first of equal scores. */
function topBox(boxes: readonly FractureBox[]): FractureBox | undefined {
  return boxes.reduce<FractureBox | undefined>((best, box) => (best === undefined || box.score > best.score ? box : best), undefined);
}

function boxCorners(box: Box): Rect {
  return {
    x1: box.xCenter - box.width / 2,
    y1: box.yCenter - box.height / 2,
    x2: box.xCenter + box.width / 2,
    y2: box.yCenter + box.height / 2,
  };
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
