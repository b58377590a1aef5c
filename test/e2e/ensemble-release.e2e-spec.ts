import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FRACATLAS_FIXTURES, python, requirePython } from '../support/fracture-model';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const ENSEMBLE = path.join(REPO, 'training', 'ensemble_release.py');

interface Output {
  readonly dims: number[];
  readonly data: number[];
}

/** A models folder whose active release is `version`, its files linked from the repo's models/. */
async function modelsWith(dir: string, version: string): Promise<string> {
  const models = path.join(dir, `models-${version}`);
  await fs.mkdir(models);
  const card = `osteon-fracture-${version}.card.json`;
  const onnx = `osteon-fracture-${version}.onnx`;
  for (const file of [card, onnx, `osteon-fracture-${version}.pt`])
    await fs.symlink(path.join(REPO, 'models', file), path.join(models, file));
  await fs.writeFile(path.join(models, 'current.json'), JSON.stringify({ version, model: onnx, card }));
  return models;
}

async function outputs(model: string, batch: Float32Array, n: number, size: number, work: string): Promise<Record<string, Output>> {
  const input = path.join(work, `batch-${size}.f32`);
  await fs.writeFile(input, Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength));
  const { stdout } = await run(process.execPath, [path.join(REPO, 'training', 'ort_check.js'), model, input, String(n), String(size)], {
    env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') },
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(stdout) as { outputs: Record<string, Output> }).outputs;
}

/** Area resampling 384 -> 256 by hand: every output pixel averages a 1.5 x 1.5 input window (nearest x2, pool 3). */
function areaResample(batch: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * 256 * 256);
  for (let k = 0; k < n; k += 1)
    for (let y = 0; y < 256; y += 1)
      for (let x = 0; x < 256; x += 1) {
        let sum = 0;
        for (let dy = 0; dy < 3; dy += 1)
          for (let dx = 0; dx < 3; dx += 1)
            sum += batch[k * 384 * 384 + Math.floor((3 * y + dy) / 2) * 384 + Math.floor((3 * x + dx) / 2)]!;
        out[k * 256 * 256 + y * 256 + x] = sum / 9;
      }
  return out;
}

function largestDifference(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((largest, value, i) => Math.max(largest, Math.abs(value - b[i]!)), 0);
}

const logit = (p: number): number => Math.log(p / (1 - p));

describe('training/ensemble_release.py: two releases averaged in one graph', () => {
  let work: string;
  let memberB: string;
  let activeA: string;
  let ensembleDir: string | undefined;

  beforeAll(async () => {
    await requirePython(['numpy', 'PIL', 'torch', 'onnx']);
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-ensemble-'));
    activeA = await modelsWith(work, '2.0.0');
    memberB = path.join(work, 'run-b');
    // A second member at another input size: 1.0.2 fine-tuned briefly at 384 px.
    await python([
      path.join(REPO, 'training', 'train.py'),
      ...['--data', FRACATLAS_FIXTURES, '--out', memberB, '--arch', 'v1', '--size', '384'],
      ...['--finetune-from', await modelsWith(work, '1.0.2'), '--epochs', '1', '--max-images', '20'],
      ...['--cache-dir', path.join(work, 'cache'), '--ort-node-modules', path.join(REPO, 'node_modules')],
    ]);
  }, 300_000);

  afterAll(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('refuses members that were not judged on one validation split', async () => {
    const build = python([
      ENSEMBLE,
      'build',
      '--a-models',
      activeA,
      '--b-run',
      memberB,
      '--out',
      path.join(work, 'refused'),
      '--version',
      '0.0.1',
    ]);
    await expect(build).rejects.toThrow(/one validation split/);
  });

  it("averages the fracture logits and the count and body-part probabilities, keeps A's heat map and boxes", async () => {
    // The fixture run's validation split is its own; give it A's so the builder accepts the pair.
    const cardA = JSON.parse(await fs.readFile(path.join(REPO, 'models', 'osteon-fracture-2.0.0.card.json'), 'utf8')) as {
      validation: { split: { val_image_ids: string[] } };
    };
    const cardPathB = path.join(memberB, 'model-card.json');
    const cardB = JSON.parse(await fs.readFile(cardPathB, 'utf8')) as { validation: { split: { val_image_ids: string[] } } };
    cardB.validation.split.val_image_ids = cardA.validation.split.val_image_ids;
    await fs.writeFile(cardPathB, JSON.stringify(cardB));
    const out = path.join(work, 'ensemble');
    await python([ENSEMBLE, 'build', '--a-models', activeA, '--b-run', memberB, '--out', out, '--version', '2.1.0-test']);

    const n = 2;
    const batch = new Float32Array(n * 384 * 384).map((_, i) => ((i * 7919) % 251) / 250);
    const ensemble = await outputs(path.join(out, 'osteon-fracture-2.1.0-test.onnx'), batch, n, 384, work);
    const a = await outputs(path.join(REPO, 'models', 'osteon-fracture-2.0.0.onnx'), areaResample(batch, n), n, 256, work);
    const b = await outputs(path.join(memberB, 'model.onnx'), batch, n, 384, work);

    const expected = a.fracture_prob!.data.map((p, i) => 1 / (1 + Math.exp(-(logit(p) + logit(b.fracture_prob!.data[i]!)) / 2)));
    expect(largestDifference(ensemble.fracture_prob!.data, expected)).toBeLessThan(1e-5);
    for (const name of ['count_probs', 'body_part_probs']) {
      const mean = a[name]!.data.map((value, i) => (value + b[name]!.data[i]!) / 2);
      expect(largestDifference(ensemble[name]!.data, mean)).toBeLessThan(1e-5);
    }
    for (const name of ['heatmap', 'boxes', 'box_scores']) {
      expect(ensemble[name]!.dims).toEqual(a[name]!.dims);
      expect(largestDifference(ensemble[name]!.data, a[name]!.data)).toBeLessThan(1e-4);
    }
    // The members differ, or the test would not show the averaging.
    expect(largestDifference(a.fracture_prob!.data, b.fracture_prob!.data)).toBeGreaterThan(1e-4);

    const card = JSON.parse(await fs.readFile(path.join(out, 'osteon-fracture-2.1.0-test.card.json'), 'utf8')) as {
      preprocessing: { S: number };
      calibration: { method: string };
      files: { checkpoint?: string; onnx: string };
    };
    expect(card.preprocessing.S).toBe(384);
    expect(card.calibration.method).toBe('none');
    // Member A's checkpoint, which the learning loop fine-tunes.
    expect(card.files).toMatchObject({ onnx: 'osteon-fracture-2.1.0-test.onnx', checkpoint: 'osteon-fracture-2.0.0.pt' });
    ensembleDir = out;
  });

  it('fine-tunes member A and averages it with member B again, so a candidate is an averaged graph too', async () => {
    expect(ensembleDir).toBeDefined();
    const run = path.join(work, 'run-finetuned');
    await python([
      path.join(REPO, 'training', 'train.py'),
      // As the learning loop's default command runs it: no --ort-node-modules (the repository's are used).
      ...['--data', FRACATLAS_FIXTURES, '--out', run, '--finetune-from', ensembleDir!, '--epochs', '1', '--max-images', '20'],
      ...['--cache-dir', path.join(work, 'cache')],
    ]);
    const card = JSON.parse(await fs.readFile(path.join(run, 'model-card.json'), 'utf8')) as {
      preprocessing: { S: number };
      architecture: { ensemble: { members: Array<{ S: number; version: string }> } };
      calibration: { method: string; a: number; b: number };
    };
    expect(card.preprocessing.S).toBe(384);
    expect(card.architecture.ensemble.members.map((m) => m.S)).toEqual([256, 384]);

    const n = 2;
    const batch = new Float32Array(n * 384 * 384).map((_, i) => ((i * 104729) % 241) / 240);
    const candidate = await outputs(path.join(run, 'model.onnx'), batch, n, 384, work);
    const retrained = await outputs(path.join(run, 'member-a.onnx'), areaResample(batch, n), n, 256, work);
    const b = await outputs(path.join(memberB, 'model.onnx'), batch, n, 384, work);
    // Member B is the release's, unchanged; member A is the retrained network.
    for (const name of ['count_probs', 'body_part_probs']) {
      const mean = retrained[name]!.data.map((value, i) => (value + b[name]!.data[i]!) / 2);
      expect(largestDifference(candidate[name]!.data, mean)).toBeLessThan(1e-5);
    }
    const { a, b: bias } = card.calibration;
    const expected = retrained.fracture_prob!.data.map(
      (p, i) => 1 / (1 + Math.exp(-(a * ((logit(p) + logit(b.fracture_prob!.data[i]!)) / 2) + bias))),
    );
    expect(largestDifference(candidate.fracture_prob!.data, expected)).toBeLessThan(1e-5);
    expect(largestDifference(candidate.boxes!.data, retrained.boxes!.data)).toBeLessThan(1e-4);

    // The learning loop packages it as it packages any run: the averaged graph, member A's checkpoint.
    const models = path.join(work, 'candidate-models');
    await python([path.join(REPO, 'training', 'package_model.py'), '--run', run, '--version', '2.1.1-test', '--models', models]);
    const current = JSON.parse(await fs.readFile(path.join(models, 'current.json'), 'utf8')) as { inputSize: number; outputs: string[] };
    expect(current.inputSize).toBe(384);
    expect(current.outputs).toEqual(['fracture_prob', 'count_probs', 'body_part_probs', 'heatmap', 'boxes', 'box_scores']);
    await fs.access(path.join(models, 'osteon-fracture-2.1.1-test.pt'));
  });
});
