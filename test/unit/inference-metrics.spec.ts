import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  auroc,
  averagePrecision,
  binaryAtThreshold,
  detectionAveragePrecision,
  expectedCalibrationError,
  intersectionOverUnion,
  macroF1,
  type Rect,
} from '../../src/inference/metrics';
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

  it('computes the expected calibration error over ten equal-width bins', () => {
    // bin 0.1-0.2: predicted 0.1, 0.15 (mean 0.125), observed 0/2; bin 0.9-1.0 (1 included): 0.9, 1 (0.95), observed 2/2.
    const result = expectedCalibrationError([0, 0, 1, 1], [0.1, 0.15, 0.9, 1]);
    expect(result.ece).toBeCloseTo(0.5 * 0.125 + 0.5 * 0.05, 12);
    expect(result.bins).toHaveLength(10);
    expect(result.bins[1]).toEqual({ range: [0.1, 0.2], n: 2, meanPredicted: 0.125, observedFraction: 0 });
    expect(result.bins[9]).toMatchObject({ n: 2, observedFraction: 1 });
    expect(result.bins[5]).toEqual({ range: [0.5, 0.6], n: 0, meanPredicted: null, observedFraction: null });
    expect(expectedCalibrationError([], []).ece).toBeNull();
  });

  it('measures box overlap as intersection over union', () => {
    const a: Rect = { x1: 0, y1: 0, x2: 2, y2: 2 };
    expect(intersectionOverUnion(a, { x1: 1, y1: 0, x2: 3, y2: 2 })).toBeCloseTo(2 / 6, 12);
    expect(intersectionOverUnion(a, a)).toBe(1);
    expect(intersectionOverUnion(a, { x1: 2, y1: 0, x2: 3, y2: 1 })).toBe(0);
  });

  it('computes box AP50 with false positives from images without fractures', () => {
    const box = (x: number, score = 0): Rect & { score: number } => ({ x1: x, y1: 0, x2: x + 1, y2: 1, score });
    const truth = new Map<string, Rect[]>([
      ['a', [box(0), box(5)]],
      ['normal', []],
    ]);
    // Ranked: a@0 (hit), normal (false positive), a@5.2 (IoU 0.67, hit), a@0 again (already matched: false positive).
    const predicted = new Map([
      ['a', [box(0, 0.9), box(5.2, 0.5), box(0, 0.3)]],
      ['normal', [box(3, 0.7)]],
    ]);
    // precision at the hits: 1/1 and 2/3; recall steps 0.5 each.
    expect(detectionAveragePrecision(truth, predicted)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    expect(detectionAveragePrecision(new Map([['normal', []]]), predicted)).toBeNull();
    expect(detectionAveragePrecision(truth, new Map())).toBe(0);
  });

  it('agrees with the trainer (training/detection.py) on box AP50 and ECE', async () => {
    await requirePython(['numpy', 'torch']);
    const images = Array.from({ length: 40 }, (_, i) => `img${i}`);
    const rect = (i: number, k: number, jitter: number): Rect => {
      const x = ((i * 13 + k * 29) % 80) / 100;
      const y = ((i * 7 + k * 17) % 80) / 100;
      return { x1: x + jitter, y1: y - jitter, x2: x + 0.1 + jitter, y2: y + 0.12 };
    };
    const truth = new Map(
      images.map((image, i) => [image, i % 3 === 0 ? [] : Array.from({ length: 1 + (i % 2) }, (_, k) => rect(i, k, 0))]),
    );
    const predicted = new Map(
      images.map((image, i) => [
        image,
        Array.from({ length: 3 }, (_, k) => ({
          ...rect(i, k, ((i + k) % 5) / 60),
          score: Math.round((((i * 31 + k * 11) % 17) / 17) * 8) / 8,
        })),
      ]),
    );
    const y = images.map((_, i) => (i % 3 === 0 ? 0 : 1));
    const p = images.map((_, i) => ((i * 37) % 101) / 100);
    const corners = (r: Rect): number[] => [r.x1, r.y1, r.x2, r.y2];
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '..', '..', 'training'))})`,
      'from detection import average_precision_50, ece',
      'd = json.load(sys.stdin)',
      "gt = {k: v for k, v in d['gt']}",
      "pr = {k: [(b[4], b[:4]) for b in v] for k, v in d['pr']}",
      "print(json.dumps([average_precision_50(gt, pr), ece(d['y'], d['p'], 10)[0]]))",
    ].join('\n');
    const child = run(PYTHON, ['-c', script]);
    child.child.stdin?.end(
      JSON.stringify({
        gt: [...truth].map(([image, boxes]) => [image, boxes.map(corners)]),
        pr: [...predicted].map(([image, boxes]) => [image, boxes.map((box) => [...corners(box), box.score])]),
        y,
        p,
      }),
    );
    const [pyAp, pyEce] = JSON.parse((await child).stdout) as number[];
    expect(pyAp).toBeGreaterThan(0);
    expect(detectionAveragePrecision(truth, predicted)).toBeCloseTo(pyAp!, 12);
    expect(expectedCalibrationError(y, p).ece).toBeCloseTo(pyEce!, 12);
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
