/**
 * Evaluation metrics, matching training/metrics.py so that engine and trainer numbers agree.
 * Labels are 0/1; an undefined metric (one class absent) is null.
 */

/** Area under the ROC curve by the rank statistic (Mann-Whitney U), ties get average ranks. */
export function auroc(labels: readonly number[], scores: readonly number[]): number | null {
  assertSameLength(labels, scores);
  const positives = labels.filter((label) => label === 1).length;
  const negatives = labels.filter((label) => label === 0).length;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((_, index) => index).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j += 1;
    for (let k = i; k <= j; k += 1) ranks[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let positiveRankSum = 0;
  labels.forEach((label, index) => {
    if (label === 1) positiveRankSum += ranks[index]!;
  });
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Average precision (PR-AUC): mean precision at the rank of each positive, highest score first. */
export function averagePrecision(labels: readonly number[], scores: readonly number[]): number | null {
  assertSameLength(labels, scores);
  const positives = labels.filter((label) => label === 1).length;
  if (positives === 0) return null;
  // Stable sort, like numpy's mergesort on -score: ties keep input order.
  const order = scores.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let truePositives = 0;
  let sum = 0;
  order.forEach((index, rank) => {
    if (labels[index] === 1) {
      truePositives += 1;
      sum += truePositives / (rank + 1);
    }
  });
  return sum / positives;
}

export interface BinaryAtThreshold {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
  readonly sensitivity: number | null;
  readonly specificity: number | null;
  readonly accuracy: number | null;
}

/** Confusion counts when `score >= threshold` means positive. */
export function binaryAtThreshold(labels: readonly number[], scores: readonly number[], threshold: number): BinaryAtThreshold {
  assertSameLength(labels, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  labels.forEach((label, index) => {
    const flagged = scores[index]! >= threshold;
    if (label === 1 && flagged) tp += 1;
    else if (label === 1) fn += 1;
    else if (flagged) fp += 1;
    else tn += 1;
  });
  return {
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    sensitivity: tp + fn > 0 ? tp / (tp + fn) : null,
    specificity: tn + fp > 0 ? tn / (tn + fp) : null,
    accuracy: labels.length > 0 ? (tp + tn) / labels.length : null,
  };
}

/**
 * Macro-F1 over classes 0..k-1: the mean F1 of the classes where it is defined (a class
 * neither present nor predicted is left out, as in the trainer).
 */
export function macroF1(
  truth: readonly number[],
  predicted: readonly number[],
  classes: number,
): { macroF1: number | null; perClass: Array<number | null>; confusion: number[][] } {
  assertSameLength(truth, predicted);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((label, index) => {
    confusion[label]![predicted[index]!]! += 1;
  });
  const perClass = confusion.map((row, c) => {
    const tp = row[c]!;
    const fp = confusion.reduce((sum, other) => sum + other[c]!, 0) - tp;
    const fn = row.reduce((sum, value) => sum + value, 0) - tp;
    return 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : null;
  });
  const defined = perClass.filter((value): value is number => value !== null);
  return { macroF1: defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : null, perClass, confusion };
}

export interface CalibrationBin {
  /** [lower, upper) probability range; the last bin includes 1. */
  readonly range: readonly [number, number];
  readonly n: number;
  readonly meanPredicted: number | null;
  readonly observedFraction: number | null;
}

/**
 * Expected calibration error with `bins` equal-width bins on [0, 1]: the mean over bins, weighted
 * by their share of images, of |observed fraction of positives - mean predicted probability|.
 * Null without labels.
 */
export function expectedCalibrationError(
  labels: readonly number[],
  probabilities: readonly number[],
  bins = 10,
): { ece: number | null; bins: CalibrationBin[] } {
  assertSameLength(labels, probabilities);
  const n = new Array<number>(bins).fill(0);
  const predicted = new Array<number>(bins).fill(0);
  const observed = new Array<number>(bins).fill(0);
  probabilities.forEach((p, index) => {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    n[bin]! += 1;
    predicted[bin]! += p;
    observed[bin]! += labels[index]!;
  });
  let ece = 0;
  const rows = n.map((count, bin): CalibrationBin => {
    if (count > 0) ece += (count / labels.length) * Math.abs(observed[bin]! / count - predicted[bin]! / count);
    return {
      range: [bin / bins, (bin + 1) / bins],
      n: count,
      meanPredicted: count > 0 ? predicted[bin]! / count : null,
      observedFraction: count > 0 ? observed[bin]! / count : null,
    };
  });
  return { ece: labels.length > 0 ? ece : null, bins: rows };
}

/** Axis-aligned box by its corners (any consistent unit). */
export interface Rect {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export function intersectionOverUnion(a: Rect, b: Rect): number {
  const width = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const height = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Detection average precision at IoU >= `threshold` over a set of images (as training/detection.py):
 * every predicted box of every image is ranked by score (ties keep image, then box order); in that
 * order a box is a true positive when its best-overlapping not yet matched ground-truth box of the
 * same image reaches the threshold. Images without ground truth only add false positives. AP is the
 * area under the precision envelope (all-point interpolation). Null without ground-truth boxes.
 */
export function detectionAveragePrecision(
  truth: ReadonlyMap<string, readonly Rect[]>,
  predicted: ReadonlyMap<string, ReadonlyArray<Rect & { readonly score: number }>>,
  threshold = 0.5,
): number | null {
  let groundTruth = 0;
  for (const boxes of truth.values()) groundTruth += boxes.length;
  if (groundTruth === 0) return null;
  const detections: Array<{ image: string; box: Rect; score: number; order: number }> = [];
  for (const [image, boxes] of predicted)
    for (const box of boxes) detections.push({ image, box, score: box.score, order: detections.length });
  detections.sort((a, b) => b.score - a.score || a.order - b.order);
  const matched = new Map<string, boolean[]>();
  for (const [image, boxes] of truth)
    matched.set(
      image,
      boxes.map(() => false),
    );
  const precisions: number[] = [];
  const recalls: number[] = [];
  let truePositives = 0;
  detections.forEach((detection, rank) => {
    const boxes = truth.get(detection.image) ?? [];
    const used = matched.get(detection.image) ?? [];
    let best = 0;
    let bestIndex = -1;
    boxes.forEach((box, index) => {
      if (used[index]) return;
      const overlap = intersectionOverUnion(detection.box, box);
      if (overlap > best) {
        best = overlap;
        bestIndex = index;
      }
    });
    if (bestIndex >= 0 && best >= threshold) {
      used[bestIndex] = true;
      truePositives += 1;
    }
    precisions.push(truePositives / (rank + 1));
    recalls.push(truePositives / groundTruth);
  });
  // Precision envelope from the right, then the area over each step in recall.
  let ap = 0;
  let envelope = 0;
  for (let k = detections.length - 1; k >= 0; k -= 1) {
    envelope = Math.max(envelope, precisions[k]!);
    const previousRecall = k > 0 ? recalls[k - 1]! : 0;
    ap += (recalls[k]! - previousRecall) * envelope;
  }
  return ap;
}

function assertSameLength(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`${a.length} labels but ${b.length} scores`);
}
