import type { TrainingLabel } from '../training-labels/training-label';

/**
 * Conflicting verdicts on one image resolve to the latest signed one; withdrawn verdicts
 * remove the image from training. The full history stays in the label store.
 */
export function effectiveLabels(labels: readonly TrainingLabel[]): TrainingLabel[] {
  const latest = new Map<string, TrainingLabel>();
  for (const label of labels) {
    const seen = latest.get(label.imageSha256);
    if (!seen || label.labelledAt.getTime() >= seen.labelledAt.getTime()) latest.set(label.imageSha256, label);
  }
  return [...latest.values()]
    .filter((label) => label.verdict !== 'withdrawn')
    .sort((a, b) => a.labelledAt.getTime() - b.labelledAt.getTime());
}

/** The newest `fraction` of labels are held out of training to judge the candidate on. */
export function splitHoldout(labels: readonly TrainingLabel[], fraction: number): { train: TrainingLabel[]; holdout: TrainingLabel[] } {
  const holdoutCount = Math.min(labels.length, Math.max(0, Math.round(labels.length * fraction)));
  return { train: labels.slice(0, labels.length - holdoutCount), holdout: labels.slice(labels.length - holdoutCount) };
}
