import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { auroc, averagePrecision, binaryAtThreshold, macroF1 } from '../../src/inference/metrics';
import { PYTHON, requirePython } from '../support/fracture-model';

const run = promisify(execFile);

describe('evaluation metrics', () => {
  const labels = [1, 0, 1, 0, 1];
  const scores = [0.9, 0.9, 0.4, 0.2, 0.6];

  it('computes AUROC by ranks, counting a tie as half', () => {
    expect(auroc(labels, scores)).toBeCloseTo(3.5 / 6, 12);
    expect(auroc([0, 1], [0.3, 0.3])).toBe(0.5);
    expect(auroc([1, 1], [0.1, 0.2])).toBeNull();
  });

  it('computes average precision from the precision at each positive', () => {
    expect(averagePrecision(labels, scores)).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 12);
    expect(averagePrecision([0, 0], [0.1, 0.2])).toBeNull();
  });

  it('counts a score equal to the threshold as positive', () => {
    expect(binaryAtThreshold(labels, scores, 0.6)).toEqual({
      truePositives: 2,
      falsePositives: 1,
      trueNegatives: 1,
      falseNegatives: 1,
      sensitivity: 2 / 3,
      specificity: 1 / 2,
      accuracy: 3 / 5,
    });
  });

  it('averages F1 over the classes where it is defined', () => {
    const result = macroF1([0, 0, 1, 1], [0, 1, 1, 1], 3);
    expect(result.perClass).toEqual([2 / 3, 0.8, null]);
    expect(result.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
    expect(result.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [0, 0, 0],
    ]);
  });

  it('agrees with the trainer (training/metrics.py) on tied random scores', async () => {
    await requirePython(['numpy']);
    const n = 300;
    const y = Array.from({ length: n }, (_, i) => ((i * 7) % 10 < 3 ? 1 : 0));
    const p = Array.from({ length: n }, (_, i) => Math.round((((i * 37) % 101) / 100 + y[i]! * 0.2) * 20) / 20);
    const truth = Array.from({ length: n }, (_, i) => i % 3);
    const predicted = Array.from({ length: n }, (_, i) => (i * 5) % 3);
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '..', '..', 'training'))})`,
      'from metrics import roc_auc, average_precision, confusion_and_f1',
      'd = json.load(sys.stdin)',
      "print(json.dumps([roc_auc(d['y'], d['p']), average_precision(d['y'], d['p']), confusion_and_f1(d['t'], d['q'], 3)[2]]))",
    ].join('\n');
    const child = run(PYTHON, ['-c', script]);
    child.child.stdin?.end(JSON.stringify({ y, p, t: truth, q: predicted }));
    const [pyAuroc, pyAp, pyF1] = JSON.parse((await child).stdout) as number[];
    expect(auroc(y, p)).toBeCloseTo(pyAuroc!, 12);
    expect(averagePrecision(y, p)).toBeCloseTo(pyAp!, 12);
    expect(macroF1(truth, predicted, 3).macroF1).toBeCloseTo(pyF1!, 12);
  });
});
