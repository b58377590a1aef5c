import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/logger';

export interface EmbeddedDatabase {
  readonly uri: string;
  readonly kind: 'mongod' | 'emulator';
  stop(): Promise<void>;
}

// A real dynamic import survives the CommonJS build; smartmongo is ESM-only.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

interface CongoModule {
  congodb: { CongoServer: new (options: { port: number; host?: string }) => CongoServer };
}
interface CongoServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port?: number;
}

/** Starts CongoDB, the in-process MongoDB-wire emulator, on a free loopback port. */
export async function startEmulator(port = 0): Promise<EmbeddedDatabase> {
  const { congodb } = (await importEsm('@push.rocks/smartmongo')) as CongoModule;
  const chosenPort = port || (await findFreePort());
  const server = new congodb.CongoServer({ port: chosenPort, host: '127.0.0.1' });
  await server.start();
  return {
    uri: `mongodb://127.0.0.1:${chosenPort}/?directConnection=true`,
    kind: 'emulator',
    stop: () => server.stop(),
  };
}

async function startMongod(dataDir: string): Promise<EmbeddedDatabase> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const dbPath = path.join(dataDir, 'mongod');
  await fs.mkdir(dbPath, { recursive: true });
  const server = await MongoMemoryServer.create({ instance: { dbPath, ip: '127.0.0.1', storageEngine: 'wiredTiger' } });
  return { uri: server.getUri(), kind: 'mongod', stop: async () => void (await server.stop({ doCleanup: false })) };
}

/**
 * The embedded default when MONGODB_URI is unset: a real mongod (persistent, under the data
 * dir) where its binary is present or can be fetched, else the in-memory emulator.
 */
export async function startEmbeddedDatabase(
  mode: 'auto' | 'mongod' | 'emulator',
  dataDir: string,
  logger: Logger,
): Promise<EmbeddedDatabase> {
  if (mode !== 'emulator') {
    try {
      const mongod = await startMongod(dataDir);
      logger.info({ kind: 'mongod' }, 'embedded mongod started');
      return mongod;
    } catch (error) {
      if (mode === 'mongod') throw error;
      logger.warn({ reason: (error as Error).message.split('\n')[0] }, 'embedded mongod unavailable');
    }
  }
  const emulator = await startEmulator();
  logger.warn(
    { kind: 'emulator' },
    'EMBEDDED DATABASE IS AN IN-MEMORY EMULATOR: records live in memory only and are rebuilt from the blob store at start-up; set MONGODB_URI for production',
  );
  return emulator;
}

async function findFreePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
