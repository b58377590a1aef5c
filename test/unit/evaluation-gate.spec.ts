import { effectiveLabels, splitHoldout } from '../../src/learning/effective-labels';
import { decideGate } from '../../src/learning/evaluation-gate';
import type { TrainingLabel } from '../../src/training-labels/training-label';

const policy = { aurocMargin: 0.02, sensitivityFloor: 0.9 };
const metrics = (auroc: number | null, sensitivity: number | null = 0.92, brier: number | null = 0.1) => ({
  auroc,
  sensitivity,
  specificity: 0.7,
  brier,
  n: 100,
});

describe('evaluation gate', () => {
  it('passes a candidate that holds the frozen set and beats the active model on new labels', () => {
    const gate = decideGate(
      policy,
      { candidate: metrics(0.9), active: metrics(0.91) },
      { candidate: metrics(0.85, 0.9, 0.12), active: metrics(0.8, 0.9, 0.2) },
    );
    expect(gate).toMatchObject({ passed: true, reasons: [] });
  });

  it('judges held-out corrections of one kind by the Brier score, where ROC-AUC is undefined', () => {
    // e.g. every held-out correction a false flag: the candidate that scores them lower is closer to the doctors
    const oneKind = (brier: number) => ({ auroc: null, sensitivity: null, specificity: 0.2, brier, n: 12 });
    const frozen = { candidate: metrics(0.9), active: metrics(0.9) };
    expect(decideGate(policy, frozen, { candidate: oneKind(0.15), active: oneKind(0.3) })).toMatchObject({ passed: true });
    expect(decideGate(policy, frozen, { candidate: oneKind(0.3), active: oneKind(0.15) }).reasons).toEqual([
      'held-out doctor labels: Brier score 0.3000 is not below the active 0.1500',
    ]);
  });

  it('rejects a candidate that loses more than the margin on the frozen set', () => {
    const gate = decideGate(policy, { candidate: metrics(0.87), active: metrics(0.91) }, { candidate: metrics(0.9), active: metrics(0.8) });
    expect(gate.passed).toBe(false);
    expect(gate.reasons[0]).toMatch(/more than 0.02 below/);
  });

  it('rejects a candidate below the sensitivity floor at its operating point', () => {
    expect(
      decideGate(
        policy,
        { candidate: metrics(0.95, 0.85), active: metrics(0.9) },
        { candidate: metrics(0.9, 0.9, 0.05), active: metrics(0.8, 0.9, 0.1) },
      ).reasons,
    ).toEqual([expect.stringMatching(/sensitivity 0.850 is below the floor/)]);
  });

  it('rejects a candidate that does not improve on the held-out doctor labels, or has none', () => {
    expect(
      decideGate(
        policy,
        { candidate: metrics(0.9), active: metrics(0.9) },
        { candidate: metrics(0.9, 0.9, 0.2), active: metrics(0.8, 0.9, 0.2) },
      ).passed,
    ).toBe(false);
    expect(decideGate(policy, { candidate: metrics(0.9), active: metrics(0.9) }, undefined).reasons).toEqual([
      'no held-out doctor labels to show an improvement on',
    ]);
  });
});

function label(sha: string, at: number, fracture: boolean, verdict: TrainingLabel['verdict'] = 'amended'): TrainingLabel {
  return {
    id: `${sha}-${at}`,
    imageSha256: sha,
    blobKey: 'k',
    sopInstanceUid: '1.2',
    studyInstanceUid: '1.3',
    reportId: 'r',
    modelVersion: '1',
    ai: { fractureProbability: 0.5, fracture: !fracture, countClass: '0', bodyPart: 'hand' },
    label: { fracture, countClass: fracture ? '1' : '0', bodyPart: 'hand' },
    verdict,
    granularity: 'study',
    labelledBy: { id: 'd', username: 'd', role: 'doctor' },
    labelledAt: new Date(at),
    source: 'review-api',
  };
}

describe('label store resolution', () => {
  it('resolves conflicting verdicts on one image to the latest signed one', () => {
    const resolved = effectiveLabels([label('a', 1, true), label('b', 2, false), label('a', 3, false)]);
    expect(resolved.map((item) => [item.imageSha256, item.label.fracture])).toEqual([
      ['b', false],
      ['a', false],
    ]);
  });

  it('drops an image whose latest verdict withdrew it', () => {
    expect(effectiveLabels([label('a', 1, true), label('a', 2, true, 'withdrawn')])).toEqual([]);
  });

  it('holds the newest labels out of training', () => {
    const { train, holdout } = splitHoldout([label('a', 1, true), label('b', 2, true), label('c', 3, true), label('d', 4, true)], 0.25);
    expect(train.map((item) => item.imageSha256)).toEqual(['a', 'b', 'c']);
    expect(holdout.map((item) => item.imageSha256)).toEqual(['d']);
  });
});
