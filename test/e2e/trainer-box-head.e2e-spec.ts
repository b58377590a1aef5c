import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FRACATLAS_FIXTURES, python, requirePython } from '../support/fracture-model';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const BASE_VERSION = '1.0.2';
const V1_OUTPUTS = ['fracture_prob', 'count_probs', 'body_part_probs', 'heatmap'] as const;

/** A models folder whose active release is 1.0.2 (the v1 release with a training checkpoint). */
async function baseModels(dir: string): Promise<string> {
  const models = path.join(dir, 'models');
  await fs.mkdir(models);
  const card = `osteon-fracture-${BASE_VERSION}.card.json`;
  for (const file of [card, `osteon-fracture-${BASE_VERSION}.pt`])
    await fs.symlink(path.join(REPO, 'models', file), path.join(models, file));
  await fs.writeFile(path.join(models, 'current.json'), JSON.stringify({ version: BASE_VERSION, card }));
  return models;
}

interface Output {
  readonly dims: number[];
  readonly data: number[];
}

/** The model's outputs from onnxruntime-node, in a child process as the trainer checks it (training/ort_check.js). */
async function outputs(model: string, input: string, n: number, size: number): Promise<Record<string, Output>> {
  const { stdout } = await run(process.execPath, [path.join(REPO, 'training', 'ort_check.js'), model, input, String(n), String(size)], {
    env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(stdout) as { outputs: Record<string, Output> }).outputs;
}

describe('trainer: a box head on a frozen v1 release (--arch v1box --freeze-base)', () => {
  let work: string;
  let runDir: string;

  beforeAll(async () => {
    await requirePython(['numpy', 'PIL', 'torch', 'onnx']);
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-box-head-'));
    runDir = path.join(work, 'run');
    await python([
      path.join(REPO, 'training', 'train.py'),
      ...['--data', FRACATLAS_FIXTURES, '--out', runDir, '--arch', 'v1box', '--freeze-base'],
      ...['--finetune-from', await baseModels(work), '--epochs', '1', '--max-images', '20'],
      ...['--cache-dir', path.join(work, 'cache'), '--ort-node-modules', path.join(REPO, 'node_modules')],
    ]);
  }, 300_000);

  afterAll(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it("keeps every output of the release it starts from and adds boxes, with the release's calibration", async () => {
    const size = 256;
    const n = 3;
    const input = path.join(work, 'batch.f32');
    const batch = new Float32Array(n * size * size).map((_, i) => ((i * 7919) % 251) / 250);
    await fs.writeFile(input, Buffer.from(batch.buffer));
    const base = await outputs(path.join(REPO, 'models', `osteon-fracture-${BASE_VERSION}.onnx`), input, n, size);
    const boxed = await outputs(path.join(runDir, 'model.onnx'), input, n, size);
    for (const name of V1_OUTPUTS) {
      expect(boxed[name]!.dims).toEqual(base[name]!.dims);
      const a = boxed[name]!.data;
      const b = base[name]!.data;
      let largest = 0;
      for (let i = 0; i < a.length; i += 1) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
      expect(largest).toBeLessThan(1e-4);
    }
    expect(boxed.boxes!.dims).toEqual([n, 10, 4]);
    expect(boxed.box_scores!.dims).toEqual([n, 10]);
    const card = JSON.parse(await fs.readFile(path.join(runDir, 'model-card.json'), 'utf8')) as {
      calibration: { a: number; b: number; kept_from: string };
      outputs: Array<{ name: string }>;
      architecture: { config: { arch: string } };
    };
    const release = JSON.parse(await fs.readFile(path.join(REPO, 'models', `osteon-fracture-${BASE_VERSION}.card.json`), 'utf8')) as {
      calibration: { a: number; b: number };
    };
    expect(card.calibration).toMatchObject({ a: release.calibration.a, b: release.calibration.b, kept_from: BASE_VERSION });
    expect(card.outputs.map((output) => output.name)).toEqual([...V1_OUTPUTS, 'boxes', 'box_scores']);
    expect(card.architecture.config.arch).toBe('v1box');
  });
});
