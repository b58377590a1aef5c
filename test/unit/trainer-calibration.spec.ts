import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PYTHON, requirePython } from '../support/fracture-model';

const run = promisify(execFile);
const TRAINING = path.join(__dirname, '..', '..', 'training');

/** Runs train.calibrate on `labels` with logits that rank them perfectly; returns its (a, b). */
async function calibrated(labels: readonly number[]): Promise<{ a: number; b: number }> {
  const script = `
import json, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(TRAINING)})
import train
labels = ${JSON.stringify(labels)}
rows = [{"image_id": "IMG%07d.jpg" % (i * 20), "dir": "val", "fractured": y} for i, y in enumerate(labels)]
logits = np.array([3.0 if y == 1 else -3.0 for y in labels]) + np.linspace(-0.5, 0.5, len(labels))
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
});
