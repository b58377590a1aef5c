import type { GateMetrics, GateResult } from './model-version';

export interface GatePolicy {
  /** The candidate's frozen-set ROC-AUC may be at most this much below the active model's. */
  readonly aurocMargin: number;
  /** Sensitivity at the candidate's own operating point on the frozen set must reach this. */
  readonly sensitivityFloor: number;
}

/**
 * Promote only what is not worse where it matters and better where it should be: on the
 * frozen evaluation set the candidate keeps ROC-AUC within the margin and sensitivity above
 * the floor; on the newest doctor labels (never trained on) its probabilities are closer to the
 * doctors' answers than the active model's (lower Brier score).
 *
 * Why Brier and not ROC-AUC there: doctors' labels that matter are corrections, images the active
 * model got wrong, and they are mostly of one kind (false flags outnumber missed fractures several
 * times). ROC-AUC on such a set is undefined or degenerate (measured: 14 held-out corrections with
 * one fracture, both models 0.000 although the candidate cleared 2 of the 13 false flags). The
 * Brier score is a proper scoring rule, defined for any mix of classes, and rewards moving each
 * probability towards the doctor's answer; both models' probabilities are calibrated, so they
 * compare. Ranking is still guarded on the frozen set.
 */
export function decideGate(
  policy: GatePolicy,
  frozen: { candidate: GateMetrics; active: GateMetrics },
  newLabels: { candidate: GateMetrics; active: GateMetrics } | undefined,
): GateResult {
  const reasons: string[] = [];
  const candidateAuroc = frozen.candidate.auroc;
  const activeAuroc = frozen.active.auroc;
  if (candidateAuroc === null) reasons.push('frozen set: candidate ROC-AUC undefined (one class only)');
  else if (activeAuroc !== null && candidateAuroc < activeAuroc - policy.aurocMargin) {
    reasons.push(
      `frozen set: ROC-AUC ${candidateAuroc.toFixed(3)} is more than ${policy.aurocMargin} below the active ${activeAuroc.toFixed(3)}`,
    );
  }
  if (frozen.candidate.sensitivity === null || frozen.candidate.sensitivity < policy.sensitivityFloor) {
    reasons.push(
      `frozen set: sensitivity ${frozen.candidate.sensitivity?.toFixed(3) ?? 'n/a'} is below the floor ${policy.sensitivityFloor}`,
    );
  }
  if (!newLabels || newLabels.candidate.n === 0) {
    reasons.push('no held-out doctor labels to show an improvement on');
  } else if (newLabels.candidate.brier === null || newLabels.active.brier === null) {
    reasons.push('held-out doctor labels: no fracture probabilities to score');
  } else if (newLabels.candidate.brier >= newLabels.active.brier) {
    reasons.push(
      `held-out doctor labels: Brier score ${newLabels.candidate.brier.toFixed(4)} is not below the active ${newLabels.active.brier.toFixed(4)}`,
    );
  }
  return { passed: reasons.length === 0, reasons, frozen, newLabels };
}
