import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PYTHON, requirePython } from '../support/fracture-model';

const run = promisify(execFile);
const TRAINING = path.join(__dirname, '..', '..', 'training');

/** Runs train.calibrate on `labels` with logits that rank them perfectly (±3, or `logits`); returns its (a, b). */
async function calibrated(labels: readonly number[], logits?: readonly number[]): Promise<{ a: number; b: number }> {
  const script = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(TRAINING)})
import train
labels = ${JSON.stringify(labels)}
rows = [{"image_id": "IMG%07d.jpg" % (i * 20), "dir": "val", "fractured": y} for i, y in enumerate(labels)]
logits = ${logits ? `np.array(${JSON.stringify(logits)})` : 'np.array([3.0 if y == 1 else -3.0 for y in labels]) + np.linspace(-0.5, 0.5, len(labels))'}
a, b, _ = train.calibrate(rows, {"fracture_logit": logits}, "platt")
print(json.dumps({"a": a, "b": b}))
`;
  const { stdout } = await run(PYTHON, ['-c', script], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as { a: number; b: number };
}

describe('trainer: calibration fitted on the validation split', () => {
  beforeAll(async () => {
    await requirePython(['numpy', 'torch']);
  }, 120_000);

  it('keeps the identity when the validation split holds one class, instead of flattening every probability to one value', async () => {
    expect(await calibrated([0, 0, 0, 0, 0, 0, 0, 0])).toEqual({ a: 1, b: 0 });
    expect(await calibrated([1, 1, 1, 1, 1, 1, 0])).toEqual({ a: 1, b: 0 });
  }, 120_000);

  it('fits a positive slope when both classes are there', async () => {
    const { a } = await calibrated([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(a).toBeGreaterThan(0);
    expect(a).not.toBe(1);
  }, 120_000);

  it('keeps the boundary between the classes of a split the model separates perfectly, however far from zero its logits lie', async () => {
    // A retrained toy model's validation logits: every one positive, the classes apart. Plain maximum
    // likelihood has no finite fit here; it used to run off to a ~ 2000 and call every image a fracture.
    const negatives = [2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9, 3.0];
    const positives = [4.4, 4.45, 4.5, 4.55, 4.6, 4.65, 4.7, 4.8];
    const { a, b } = await calibrated([...negatives.map(() => 0), ...positives.map(() => 1)], [...negatives, ...positives]);
    const probability = (logit: number): number => 1 / (1 + Math.exp(-(a * logit + b)));
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(20);
    for (const logit of negatives) expect(probability(logit)).toBeLessThan(0.25);
    for (const logit of positives) expect(probability(logit)).toBeGreaterThan(0.75);
    // Neither probability is pushed to certainty by 16 examples.
    expect(probability(3.0)).toBeGreaterThan(0.01);
    expect(probability(4.4)).toBeLessThan(0.99);
  }, 120_000);
});
