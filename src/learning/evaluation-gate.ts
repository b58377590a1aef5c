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
 * the floor; on the newest doctor labels (never trained on) its ROC-AUC beats the active model.
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
  } else if (newLabels.candidate.auroc === null || newLabels.active.auroc === null) {
    reasons.push('held-out doctor labels: ROC-AUC undefined (one class only)');
  } else if (newLabels.candidate.auroc <= newLabels.active.auroc) {
    reasons.push(
      `held-out doctor labels: ROC-AUC ${newLabels.candidate.auroc.toFixed(3)} does not beat the active ${newLabels.active.auroc.toFixed(3)}`,
    );
  }
  return { passed: reasons.length === 0, reasons, frozen, newLabels };
}
