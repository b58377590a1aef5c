import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
const REPO = path.join(__dirname, '..', '..');
const TRAINING = path.join(REPO, 'training');
export const FRACATLAS_FIXTURES = path.join(__dirname, '..', 'fixtures', 'fracatlas');

/**
 * The suites compare against the Python reference and train a smoke model: Debian's
 * /usr/bin/python3 with numpy, PIL, torch and onnx is required (CI installs them). Missing
 * modules fail the suite with the install line instead of skipping it.
 */
export async function requirePython(modules: readonly string[]): Promise<void> {
  try {
    await run(PYTHON, ['-c', `import ${modules.join(', ')}`]);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? String(error);
    throw new Error(
      `${PYTHON} with ${modules.join(', ')} is required for this suite (${detail}). ` +
        'Install: apt-get install python3-numpy python3-pil python3-torch python3-onnx',
    );
  }
}

let smokeModels: Promise<string> | undefined;

/**
 * A models/ folder (current.json, card, ONNX, checkpoint) holding a tiny model 2 (box head)
 * trained by the real trainer on the committed fixtures (1 epoch, 64 px, ~30 s), packaged as a
 * release is. It is
 * cached in the temp folder by a hash of the training code, so later suites reuse it.
 */
export function smokeModelsDir(): Promise<string> {
  smokeModels ??= buildSmokeModels();
  return smokeModels;
}

async function buildSmokeModels(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await fs.readdir(TRAINING)).filter((file) => file.endsWith('.py')).sort()) {
    hash.update(name).update(await fs.readFile(path.join(TRAINING, name)));
  }
  hash.update(await fs.readFile(path.join(FRACATLAS_FIXTURES, 'labels.csv')));
  const target = path.join(os.tmpdir(), `osteon-smoke-models-${hash.digest('hex').slice(0, 16)}`);
  if (await exists(path.join(target, 'current.json'))) return target;
  await requirePython(['numpy', 'PIL', 'torch', 'onnx']);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-smoke-train-'));
  try {
    const runDir = path.join(work, 'run');
    const modelsDir = path.join(work, 'models');
    await python([
      path.join(TRAINING, 'train.py'),
      '--data',
      FRACATLAS_FIXTURES,
      '--out',
      runDir,
      '--arch',
      'det',
      '--epochs',
      '1',
      '--size',
      '64',
      '--max-images',
      '20',
      '--cache-dir',
      path.join(work, 'cache'),
      '--ort-node-modules',
      path.join(REPO, 'node_modules'),
    ]);
    await python([path.join(TRAINING, 'package_model.py'), '--run', runDir, '--version', '0.0.0-smoke', '--models', modelsDir]);
    // Another suite may have published the same model meanwhile: either copy will do.
    await fs.rename(modelsDir, target).catch(async (error: NodeJS.ErrnoException) => {
      if (!(await exists(path.join(target, 'current.json')))) throw error;
    });
    return target;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Runs a training script with Debian's python in the repository root; the error carries its stderr tail. */
export async function python(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(PYTHON, args, { maxBuffer: 256 * 1024 * 1024, cwd: REPO });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${PYTHON} ${args.join(' ')} failed: ${failed.message}\n${(failed.stderr ?? '').slice(-2000)}`);
  }
}

export async function pythonPreprocess(
  imagePath: string,
  size: number,
  rawGrey?: { height: number; width: number },
): Promise<Float32Array> {
  const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-pre-')), 'tensor.f32');
  try {
    const extra = rawGrey ? ['--raw-grey', String(rawGrey.height), String(rawGrey.width)] : [];
    await python([path.join(TRAINING, 'preprocess_cli.py'), imagePath, String(size), '--f32', out, ...extra]);
    const bytes = await fs.readFile(out);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } finally {
    await fs.rm(path.dirname(out), { recursive: true, force: true });
  }
}

/** training/peaks.py's point for each map, in cell units ([row, column]), for parity tests. */
export async function pythonPeaks(
  maps: readonly Float32Array[],
  grid: { height: number; width: number },
  method: string,
): Promise<Array<[number, number]>> {
  const input = JSON.stringify({ ...grid, maps: maps.map((map) => Array.from(map)) });
  const child = execFile(PYTHON, [path.join(TRAINING, 'peaks.py'), method], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`peaks.py ${method} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
  child.stdin?.end(input);
  return JSON.parse(await output) as Array<[number, number]>;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
