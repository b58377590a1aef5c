import path from 'node:path';
import v8 from 'node:v8';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The young generation of each worker thread's JavaScript heap (two semi-spaces of a third of it each).
 * The main thread's is set by --max-semi-space-size (ENGINE_NODE_FLAGS): 16 MB for the buffers of
 * every instance received. The workers (embedded database, pixel decoder, model) allocate less at once
 * and each kept the same 16 MB; at 6 MB three workers hold ~36 MB less at the peak of a burst read by
 * the model (bench/README.md, issue 21).
 */
export const WORKER_YOUNG_GENERATION_MB = 6;

let processSemiSpaceCleared = false;

/**
 * Starts `<name>.js` in `dir` (the caller's `__dirname`) in a worker thread. Under ts-node or
 * ts-jest the sources are TypeScript, and the worker needs the same loader to run `<name>.ts`.
 */
export function startWorker(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(__filename);
  const execArgv = extension === '.ts' ? ['--require', require.resolve('ts-node/register/transpile-only')] : [];
  clearProcessSemiSpace();
  return new Worker(path.join(dir, `${name}${extension}`), {
    ...options,
    execArgv,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, ...options.resourceLimits },
  });
}

/**
 * V8 sizes a new isolate's young generation from --max-semi-space-size whenever that flag is set,
 * ignoring the worker's resourceLimits. The main thread's heap was sized from it at start-up and keeps
 * that size; clearing the flag afterwards lets each worker's own limit apply.
 */
function clearProcessSemiSpace(): void {
  if (processSemiSpaceCleared) return;
  v8.setFlagsFromString('--max-semi-space-size=0');
  processSemiSpaceCleared = true;
}
