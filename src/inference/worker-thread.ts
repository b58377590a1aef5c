import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `<name>.js` next to this file in a worker thread. Under ts-node or ts-jest this file
 * is TypeScript, and the worker needs the same loader to run `<name>.ts`.
 */
export function startWorker(name: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(__filename);
  const execArgv = extension === '.ts' ? ['--require', require.resolve('ts-node/register/transpile-only')] : [];
  return new Worker(path.join(__dirname, `${name}${extension}`), { ...options, execArgv });
}
