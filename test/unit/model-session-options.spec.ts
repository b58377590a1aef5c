import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { modelSessionOptions } from '../../src/inference/model-session-options';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');

describe('model session options', () => {
  it('turns off the spinning of onnxruntime’s pool threads, which burned CPU that receiving needs', () => {
    expect(modelSessionOptions(2)).toMatchObject({
      intraOpNumThreads: 2,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  });

  // In a child process: under jest's sandbox onnxruntime-node's output tensors fail its own Float32Array check.
  it('are accepted by onnxruntime-node and read the shipped model exactly as its defaults do', async () => {
    const script = `
      const fs = require('node:fs');
      const path = require('node:path');
      const { InferenceSession, Tensor } = require('onnxruntime-node');
      const { modelSessionOptions } = require('./src/inference/model-session-options');
      (async () => {
        const current = JSON.parse(fs.readFileSync('models/current.json', 'utf8'));
        const model = fs.readFileSync(path.join('models', current.model));
        const size = current.inputSize;
        const pixels = Float32Array.from({ length: size * size }, (_, index) => ((index * 7919) % 997) / 997);
        const run = async (options) => {
          const session = await InferenceSession.create(model, options);
          const outputs = await session.run({ [session.inputNames[0]]: new Tensor('float32', pixels, [1, 1, size, size]) });
          await session.release();
          return Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, Array.from(tensor.data)]));
        };
        const engine = await run(modelSessionOptions(2));
        const { extra, ...defaultsOptions } = modelSessionOptions(2);
        const defaults = await run(defaultsOptions);
        process.stdout.write(JSON.stringify({ engine, defaults }));
      })();`;
    const { stdout } = await run(process.execPath, ['--require', 'ts-node/register/transpile-only', '-e', script], {
      cwd: REPO,
      maxBuffer: 64 << 20,
    });
    const { engine, defaults } = JSON.parse(stdout) as Record<'engine' | 'defaults', Record<string, number[]>>;
    expect(Object.keys(engine)).toEqual(expect.arrayContaining(['fracture_prob', 'heatmap']));
    expect(engine).toEqual(defaults);
  }, 60_000);
});
