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

function assertSameLength(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`${a.length} labels but ${b.length} scores`);
}
