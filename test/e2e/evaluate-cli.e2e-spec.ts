import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { FRACATLAS_FIXTURES, smokeModelsDir } from '../support/fracture-model';
import { tempWorkspace } from '../support/workspace';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');

/** Runs the CLI exactly as `npm run evaluate -- ...` does. */
async function evaluate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--require', 'ts-node/register/transpile-only', 'tools/evaluate.ts', ...args], {
      cwd: REPO,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('evaluate CLI (npm run evaluate)', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let modelsDir: string;

  beforeAll(async () => {
    modelsDir = await smokeModelsDir();
    workspace = await tempWorkspace('evaluate');
  }, 240_000);

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it('evaluates the FracAtlas fixtures with boxes and writes every metric', async () => {
    const out = path.join(workspace.dir, 'report.json');
    const result = await evaluate([
      '--images',
      path.join(FRACATLAS_FIXTURES, 'images'),
      '--labels',
      path.join(FRACATLAS_FIXTURES, 'labels.csv'),
      '--boxes',
      path.join(FRACATLAS_FIXTURES, 'boxes.csv'),
      '--json',
      out,
      '--models',
      modelsDir,
    ]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/ROC-AUC\s+\d\.\d{3}/);
    expect(result.stdout).toMatch(/pointing game/);
    const report = JSON.parse(await fs.readFile(out, 'utf8')) as Record<string, unknown>;
    const rows = (await fs.readFile(path.join(FRACATLAS_FIXTURES, 'labels.csv'), 'utf8')).trim().split('\n').length - 1;
    expect(report.modelVersion).toBe('0.0.0-smoke');
    expect(report.n).toBe(rows);
    for (const key of [
      'auroc',
      'prAuc',
      'threshold',
      'sensitivity',
      'specificity',
      'accuracy',
      'countMacroF1',
      'bodyPartAccuracy',
      'auroc_noHardware',
      'pointingGame',
      'ap50',
      'ece',
      'count2PlusRecall',
      'auroc_hand',
    ]) {
      expect({ key, value: report[key] }).toEqual({ key, value: expect.any(Number) });
      expect(report[key]).toBeGreaterThanOrEqual(0);
      expect(report[key]).toBeLessThanOrEqual(1);
    }
    expect(report.pointingGameN).toBe(10);
    // the smoke model has a box head: the top box points, and boxes are scored on every localised image
    expect(report).toMatchObject({ pointingGameRule: 'top-box-centre', ap50Images: rows, ap50Boxes: 13, count2PlusN: 3 });
    for (const part of ['leg', 'hip', 'shoulder']) expect(report).toHaveProperty(`auroc_${part}`);
    expect(result.stdout).toMatch(/box AP50 \(normal images included\)\s+\d\.\d{3}/);
    expect(result.stdout).toMatch(/calibration error \(ECE, 10 bins\)\s+\d\.\d{3}/);
    expect(report.predictions).toHaveLength(rows);
  });

  it('leaves the pointing game out without --boxes', async () => {
    const out = path.join(workspace.dir, 'no-boxes.json');
    const result = await evaluate([
      '--images',
      path.join(FRACATLAS_FIXTURES, 'images'),
      '--labels',
      path.join(FRACATLAS_FIXTURES, 'labels.csv'),
      '--json',
      out,
      '--models',
      modelsDir,
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(await fs.readFile(out, 'utf8'))).not.toHaveProperty('pointingGame');
  });

  it('fails with a clear message when an image named in labels.csv is missing', async () => {
    const labels = path.join(workspace.dir, 'labels.csv');
    await fs.writeFile(labels, 'image_id,hand,leg,hip,shoulder,fractured,fracture_count\nNOPE.jpg,1,0,0,0,0,0\n');
    const result = await evaluate([
      '--images',
      path.join(FRACATLAS_FIXTURES, 'images'),
      '--labels',
      labels,
      '--json',
      path.join(workspace.dir, 'x.json'),
      '--models',
      modelsDir,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('NOPE.jpg');
  });

  it('prints its usage when a required argument is missing', async () => {
    const result = await evaluate(['--images', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: evaluate --images');
  });
});
