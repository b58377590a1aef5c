import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `<name>.js` in `dir` (the caller's `__dirname`) in a worker thread. Under ts-node or
 * ts-jest the sources are TypeScript, and the worker needs the same loader to run `<name>.ts`.
 */
export function startWorker(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(__filename);
  const execArgv = extension === '.ts' ? ['--require', require.resolve('ts-node/register/transpile-only')] : [];
  return new Worker(path.join(dir, `${name}${extension}`), { ...options, execArgv });
}
