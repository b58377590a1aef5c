import path from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import { DatabaseService } from '../../src/database/database.service';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './processes';

export interface TestDatabase {
  readonly uri: string;
  readonly kind: 'mongod (MONGODB_URI)' | 'MongoDB-wire emulator (CongoDB)';
  stop(): Promise<void>;
}

/**
 * The database tests run against: a real mongod when MONGODB_URI is set, else the
 * MongoDB-wire emulator started in its own process.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, kind: 'mongod (MONGODB_URI)', stop: async () => undefined };
  const port = await freePort();
  const server: RunningProcess = await startProcess(
    process.execPath,
    [path.join(__dirname, '..', 'peers', 'mongo-wire-server.mjs'), String(port)],
    { readyLine: /READY /, timeoutMs: 20_000 },
  );
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    kind: 'MongoDB-wire emulator (CongoDB)',
    stop: () => server.stop(),
  };
}

/** The engine's DatabaseService on a fresh database (migrations applied), for repository tests. */
export async function openDatabaseService(database: TestDatabase, name: string): Promise<DatabaseService> {
  const service = new DatabaseService({
    database: { uri: database.uri, name, embedded: 'emulator' },
    dataDir: '/tmp',
  } as unknown as AppConfig);
  await service.onModuleInit();
  return service;
}
