import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FRACATLAS_FIXTURES, python, requirePython } from '../support/fracture-model';
import { SHIPPED_MODELS_DIR } from '../support/models-dir';
import { tempWorkspace } from '../support/workspace';

/**
 * The learning loop fine-tunes the active model's training checkpoint. 1.0.2 was exported before
 * releases shipped one, so its checkpoint is rebuilt from the ONNX file (BatchNorm folded into the
 * convolutions) by training/export_checkpoint.py; 2.0.0 (1.0.2's graph plus a box head) ships that
 * network with its box branch. These tests hold the checkpoint to the ONNX model.
 */
const REPO = path.join(__dirname, '..', '..');
const NODE_MODULES = path.join(REPO, 'node_modules');

interface Card {
  readonly version: string;
  readonly files: { onnx: string; checkpoint?: string; checkpoint_sha256?: string };
  readonly outputs: ReadonlyArray<{ name: string }>;
}
interface Expectations {
  readonly pytorch_checkpoint_max_abs_diff: Record<string, number> | null;
  readonly images: ReadonlyArray<{ image_id: string; fracture_prob: number; count_probs: number[] }>;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

describe('training checkpoint of the shipped model', () => {
  let card: Card;

  beforeAll(async () => {
    await requirePython(['numpy', 'PIL', 'torch', 'onnx']);
    const current = await readJson<{ card: string }>(path.join(SHIPPED_MODELS_DIR, 'current.json'));
    card = await readJson<Card>(path.join(SHIPPED_MODELS_DIR, current.card));
  });

  it('ships a checkpoint whose hash is the card’s and whose PyTorch outputs are the ONNX outputs', async () => {
    expect(card.files.checkpoint).toBeDefined();
    const bytes = await fs.readFile(path.join(SHIPPED_MODELS_DIR, card.files.checkpoint!));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(card.files.checkpoint_sha256);

    const workspace = await tempWorkspace('checkpoint');
    try {
      const out = path.join(workspace.dir, 'expected.json');
      await python(['training/fixture_expectations.py', '--ort-node-modules', NODE_MODULES, '--out', out]);
      const measured = await readJson<Expectations>(out);
      const committed = await readJson<Expectations>(path.join(FRACATLAS_FIXTURES, `expected-osteon-fracture-${card.version}.json`));
      // every output of the checkpoint (calibration applied) against onnxruntime-node, per fixture image
      const diffs = Object.values(measured.pytorch_checkpoint_max_abs_diff ?? {});
      expect(Object.keys(measured.pytorch_checkpoint_max_abs_diff ?? {})).toEqual(card.outputs.map((output) => output.name));
      for (const diff of diffs) expect(diff).toBeLessThan(1e-4);
      // and the ONNX side is the model the engine tests expect
      expect(measured.images.map((image) => image.image_id)).toEqual(committed.images.map((image) => image.image_id));
      measured.images.forEach((image, i) => expect(image.fracture_prob).toBeCloseTo(committed.images[i]!.fracture_prob, 5));
    } finally {
      await workspace.cleanup();
    }
  });

  it('is rebuilt from a BatchNorm-folded ONNX release and fine-tuned by the trainer', async () => {
    const workspace = await tempWorkspace('checkpoint-rebuild');
    try {
      const checkpoint = path.join(workspace.dir, 'rebuilt.pt');
      const log = await python([
        'training/export_checkpoint.py',
        '--onnx',
        path.join(SHIPPED_MODELS_DIR, 'osteon-fracture-1.0.2.onnx'),
        '--data',
        FRACATLAS_FIXTURES,
        '--images',
        '16',
        '--cache-dir',
        '',
        '--out',
        checkpoint,
      ]);
      // the script refuses to write a checkpoint that is more than 1e-4 off the ONNX outputs
      const measured = /fp32 (\{[^}]*\})/.exec(log)?.[1];
      expect(measured).toBeDefined();
      const diffs = Object.values(JSON.parse(measured!.replace(/'/g, '"')) as Record<string, number>);
      expect(diffs).toHaveLength(4);
      for (const diff of diffs) expect(diff).toBeLessThan(1e-4);

      // a models folder whose active release names the rebuilt checkpoint, as the learning loop's {active}
      const models = path.join(workspace.dir, 'models');
      await fs.mkdir(models);
      const shippedCard = await readJson<Record<string, unknown> & { files: Record<string, unknown> }>(
        path.join(SHIPPED_MODELS_DIR, 'osteon-fracture-1.0.2.card.json'),
      );
      await fs.writeFile(
        path.join(models, 'card.json'),
        JSON.stringify({ ...shippedCard, files: { ...shippedCard.files, checkpoint: 'rebuilt.pt' } }),
      );
      await fs.rename(checkpoint, path.join(models, 'rebuilt.pt'));
      await fs.writeFile(path.join(models, 'current.json'), JSON.stringify({ version: '1.0.2', card: 'card.json' }));
      const trained = await python([
        'training/train.py',
        '--data',
        FRACATLAS_FIXTURES,
        '--out',
        path.join(workspace.dir, 'run'),
        '--finetune-from',
        models,
        '--epochs',
        '1',
        '--batch-size',
        '8',
        '--cache-dir',
        '',
        '--no-export',
      ]);
      expect(trained).toContain("loaded the active model's checkpoint");
      const metrics = await readJson<{ summary: { n: number; roc_auc: number | null } }>(path.join(workspace.dir, 'run', 'metrics.json'));
      expect(metrics.summary.n).toBeGreaterThan(0);
    } finally {
      await workspace.cleanup();
    }
  });
});
