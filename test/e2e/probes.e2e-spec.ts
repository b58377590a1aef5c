import path from 'node:path';
import { startEngine, type Engine } from '../support/engine';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

interface Readiness {
  status: string;
  checks: { database: string; dicom: string; model: string; modelVersion?: string };
}

describe('probes: /livez while the process answers, /readyz only while the database, DICOM and the model are there', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    workspace = await tempWorkspace('probes');
    database = await startTestDatabase();
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `probes_${Date.now()}`,
      env: { OSTEON_MODELS_DIR: models.dir },
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  it('answers JSON, not the console page, on both, without a credential', async () => {
    const live = await engine.getJson<{ status: string }>('/livez', { token: null });
    expect(live).toEqual({ status: 200, body: { status: 'alive', uptimeSeconds: expect.any(Number) } });
    const ready = await waitFor(async () => {
      const answer = await engine.getJson<Readiness>('/readyz', { token: null });
      return answer.status === 200 ? answer : undefined;
    }, 30_000);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { database: 'up', databaseKind: 'external', dicom: 'up', model: 'loaded', modelVersion: expect.any(String) },
    });
  });

  // A shared mongod named by MONGODB_URI is not ours to stop: then this one is skipped (and says so).
  (process.env.MONGODB_URI ? it.skip : it)(
    'goes 503 naming the database when the database is gone, while /livez stays 200',
    async () => {
      await database.stop();
      const notReady = await waitFor(async () => {
        const answer = await engine.getJson<Readiness>('/readyz', { token: null });
        return answer.status === 503 ? answer : undefined;
      }, 30_000);
      expect(notReady.body.status).toBe('not-ready');
      expect(notReady.body.checks).toMatchObject({ database: 'down', dicom: 'up', model: 'loaded' });
      expect((await engine.getJson('/livez', { token: null })).status).toBe(200);
    },
    60_000,
  );
});
