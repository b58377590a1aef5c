import fs from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { logDestination, type Logger } from '../common/logger';
import { startWorker } from '../common/worker-thread';
import type { OpenStats } from './embedded/embedded-store';

export interface EmbeddedDatabase {
  readonly uri: string;
  readonly kind: 'mongod' | 'embedded';
  /** Where its files live. */
  readonly location: string;
  stop(): Promise<void>;
}

/** The embedded database could not open its files (damage, a lock held by another process). */
export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}

type WorkerMessage =
  | { type: 'ready'; port: number; stats: OpenStats }
  | { type: 'failed'; message: string; name: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; data?: Record<string, unknown> }
  | { type: 'stopped'; error?: string };

/**
 * Osteon's own durable embedded database (journal + snapshots under `<data>/database`),
 * served over the MongoDB wire protocol from a worker thread on a loopback port.
 */
export async function startEmbeddedStore(dataDir: string, logger: Logger, compactBytes?: number): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir, 'database');
  const worker = startWorker(path.join(__dirname, 'embedded'), 'embedded-database.worker', { workerData: { dir, compactBytes } });
  const ready = await new Promise<{ port: number; stats: OpenStats }>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new EmbeddedDatabaseError(message.message));
      else if (message.type === 'log') logger[message.level](message.data ?? {}, message.message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new EmbeddedDatabaseError(`the embedded database stopped while opening (exit ${code})`)));
  });
  let stopping = false;
  worker.on('exit', (code) => {
    if (stopping) return;
    // Nothing can be stored any more: stop the process so a supervisor restarts it whole.
    logger.fatal({ code }, 'embedded database stopped unexpectedly');
    void logDestination.flush().finally(() => process.exit(70));
  });
  logger.info({ location: dir, ...ready.stats }, 'embedded database opened');
  return {
    uri: `mongodb://127.0.0.1:${ready.port}/?directConnection=true`,
    kind: 'embedded',
    location: dir,
    stop: () => stopWorker(worker, () => (stopping = true)),
  };
}

function stopWorker(worker: Worker, markStopping: () => void): Promise<void> {
  markStopping();
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 10_000);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'stopped') return;
      clearTimeout(timer);
      void worker.terminate().then(() => resolve());
    });
    worker.postMessage({ type: 'stop' });
  });
}

/**
 * A real mongod run by mongodb-memory-server, persistent under `<data>/mongod` (must be installed or
 * downloadable). A failed start (offline: the download fails) is one warning line and an
 * `EmbeddedDatabaseError`; the library's own console output (a raw stack trace) is held back.
 */
export async function startMongod(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const dbPath = path.resolve(dataDir, 'mongod');
  await fs.mkdir(dbPath, { recursive: true });
  const warn = console.warn;
  console.warn = (): void => undefined;
  try {
    const server = await MongoMemoryServer.create({ instance: { dbPath, ip: '127.0.0.1', storageEngine: 'wiredTiger' } });
    return { uri: server.getUri(), kind: 'mongod', location: dbPath, stop: async () => void (await server.stop({ doCleanup: false })) };
  } catch (error) {
    const reason = ((error as Error).message ?? String(error)).replace(/\s+/g, ' ').trim();
    logger.warn(
      { reason },
      'mongod could not start (it is downloaded on first use, which needs the internet): set MONGODB_URI, or OSTEON_EMBEDDED_DB=embedded',
    );
    throw new EmbeddedDatabaseError(`OSTEON_EMBEDDED_DB=mongod: no mongod could start (${reason})`);
  } finally {
    console.warn = warn;
  }
}

/** The database when MONGODB_URI is unset: the embedded store, or a local mongod when asked for. */
export async function startEmbeddedDatabase(
  mode: 'embedded' | 'mongod',
  dataDir: string,
  logger: Logger,
  compactBytes?: number,
): Promise<EmbeddedDatabase> {
  if (mode === 'mongod') return startMongod(dataDir, logger);
  return startEmbeddedStore(dataDir, logger, compactBytes);
}
