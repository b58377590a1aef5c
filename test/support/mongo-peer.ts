import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import { DatabaseService } from '../../src/database/database.service';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './processes';

export interface TestDatabase {
  readonly uri: string;
  readonly kind: 'mongod (MONGODB_URI)' | "Osteon's embedded database";
  stop(): Promise<void>;
}

/**
 * The database tests run against: a real mongod when MONGODB_URI is set, else the engine's
 * embedded database (journal in a temporary folder) started in its own process.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, kind: 'mongod (MONGODB_URI)', stop: async () => undefined };
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-db-'));
  const server: RunningProcess = await startProcess(
    process.execPath,
    [path.join(__dirname, '..', 'peers', 'mongo-wire-server.mjs'), String(port), dir],
    {
      readyLine: /READY /,
      timeoutMs: 20_000,
    },
  );
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    kind: "Osteon's embedded database",
    stop: async () => {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** The engine's DatabaseService on a fresh database (migrations applied), for repository tests. */
export async function openDatabaseService(database: TestDatabase, name: string): Promise<DatabaseService> {
  const service = new DatabaseService({
    database: { uri: database.uri, name, embedded: 'embedded' },
    dataDir: '/tmp',
  } as unknown as AppConfig);
  await service.onModuleInit();
  return service;
}
