/**
 * CPU the model costs per image, the engine's session options against onnxruntime's defaults
 * (pool threads spin after each run). Runs are spaced like studies arriving (--gap-ms), since
 * spinning costs CPU after a run, when the next one does not follow at once.
 *   npm run bench:model-cpu -- [--runs 100] [--gap-ms 40] [--threads 2]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { modelSessionOptions } from '../src/inference/model-session-options';

const MODELS = path.join(__dirname, '..', 'models');

async function measure(model: Buffer, options: InferenceSession.SessionOptions, runs: number, gapMs: number, size: number) {
  const session = await InferenceSession.create(model, options);
  const feeds = { [session.inputNames[0] as string]: new Tensor('float32', new Float32Array(size * size).fill(0.3), [1, 1, size, size]) };
  for (let warm = 0; warm < 5; warm += 1) await session.run(feeds);
  const cpuBefore = process.cpuUsage();
  let wall = 0;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await session.run(feeds);
    wall += performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const cpu = process.cpuUsage(cpuBefore);
  await session.release();
  return { cpuMs: (cpu.user + cpu.system) / 1000 / runs, wallMs: wall / runs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '100' },
      'gap-ms': { type: 'string', default: '40' },
      threads: { type: 'string', default: '2' },
    },
  });
  const current = JSON.parse(await fs.readFile(path.join(MODELS, 'current.json'), 'utf8')) as {
    version: string;
    model: string;
    inputSize: number;
  };
  const model = await fs.readFile(path.join(MODELS, current.model));
  const threads = Number(values.threads);
  const engine = modelSessionOptions(threads);
  const { extra: _spinningOff, ...defaults } = engine;
  process.stdout.write(
    `model ${current.version} (S=${current.inputSize}), ${threads} intra-op threads, ${os.cpus().length} CPUs, ${values.runs} runs ${values['gap-ms']} ms apart\n`,
  );
  const rows: Array<[string, { cpuMs: number; wallMs: number }]> = [];
  // Alternated twice, so a slow moment of the machine does not fall on one side only.
  for (const round of [1, 2]) {
    rows.push([
      `onnxruntime defaults (spinning), round ${round}`,
      await measure(model, defaults, Number(values.runs), Number(values['gap-ms']), current.inputSize),
    ]);
    rows.push([
      `engine options (no spinning), round ${round}`,
      await measure(model, engine, Number(values.runs), Number(values['gap-ms']), current.inputSize),
    ]);
  }
  for (const [name, result] of rows)
    process.stdout.write(`${name.padEnd(44)} CPU ${result.cpuMs.toFixed(1)} ms/image, wall ${result.wallMs.toFixed(1)} ms/image\n`);
  const mean = (prefix: string, key: 'cpuMs' | 'wallMs') =>
    rows.filter(([name]) => name.startsWith(prefix)).reduce((sum, [, result]) => sum + result[key], 0) / 2;
  process.stdout.write(
    `engine / defaults: CPU ${(mean('engine', 'cpuMs') / mean('onnxruntime', 'cpuMs')).toFixed(2)}×, wall ${(mean('engine', 'wallMs') / mean('onnxruntime', 'wallMs')).toFixed(2)}×\n`,
  );
}

void main();
