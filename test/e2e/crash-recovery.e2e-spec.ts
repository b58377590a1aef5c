import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { dcmtk } from '../support/dcmtk';
import { datasetSha256, fixtureImageNames, makeInstance, readUid } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { settledStagedFiles, tempWorkspace } from '../support/workspace';

const INSTANCES = 300;
const KILL_AFTER_ACKNOWLEDGED = 100;

/** Runs storescu over all files and reports, per file, whether Osteon answered Success. */
function sendWatching(files: string[], port: number, onSuccess: (count: number) => void): Promise<Map<string, boolean>> {
  return new Promise((resolve) => {
    const child = spawn('storescu', ['-v', '-aet', 'MODALITY', '-aec', 'OSTEON', '127.0.0.1', String(port), ...files], {
      env: { ...process.env, TCP_NODELAY: '1' },
    });
    const outcome = new Map<string, boolean>();
    let current: string | undefined;
    let successes = 0;
    let pending = '';
    const consume = (chunk: Buffer): void => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const sending = /Sending file: (.+)$/.exec(line);
        if (sending) {
          current = sending[1]?.trim();
          if (current) outcome.set(current, false);
        } else if (/Received Store Response \(Success\)/.test(line) && current) {
          outcome.set(current, true);
          successes += 1;
          onSuccess(successes);
        }
      }
    };
    child.stdout.on('data', consume);
    child.stderr.on('data', consume);
    child.on('close', () => resolve(outcome));
  });
}

describe.each([
  ['the database in its own process', true],
  ["the engine's embedded in-process database", false],
])('a kill -9 in the middle of a 300-image send, with %s', (_label, externalDatabase) => {
  let database: TestDatabase | undefined;
  let engine: Engine | undefined;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let files: string[];

  beforeAll(async () => {
    workspace = await tempWorkspace('crash');
    if (externalDatabase) database = await startTestDatabase();
    const [image] = await fixtureImageNames();
    const base = await makeInstance(image as string, path.join(workspace.dir, 'send', 'base.dcm'), { patientId: 'CRASH' });
    files = Array.from({ length: INSTANCES }, (_, index) => path.join(workspace.dir, 'send', `i${String(index).padStart(3, '0')}.dcm`));
    await Promise.all(files.map((file) => fs.copyFile(base.file, file)));
    expect((await dcmtk('dcmodify', ['-nb', '-gin', ...files])).code).toBe(0);
  });

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  it('keeps every instance that got Success, readable and byte-identical, after a restart', async () => {
    const options = {
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database?.uri,
      databaseName: `crash_${Date.now()}`,
    };
    const first = await startEngine(options);
    engine = first;
    let killed: Promise<void> | undefined;
    const outcome = await sendWatching(files, first.dicomPort, (successes) => {
      if (successes === KILL_AFTER_ACKNOWLEDGED && !killed) killed = first.kill9();
    });
    await killed;
    const acknowledged = files.filter((file) => outcome.get(file) === true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKNOWLEDGED);
    expect(acknowledged.length).toBeLessThan(INSTANCES);

    engine = await startEngine({ ...options, dicomPort: first.dicomPort });
    const restarted = engine;
    const studyUid = await readUid(files[0] as string, '0020,000d');
    const study = await waitFor(async () => {
      const response = await restarted.getJson<{ instances: Array<{ sopInstanceUid: string; sha256: string }> }>(
        `/api/studies/${studyUid}`,
      );
      return response.status === 200 ? response.body : undefined;
    });
    const stored = new Map(study.instances.map((instance) => [instance.sopInstanceUid, instance.sha256]));
    for (const file of acknowledged) {
      const sopInstanceUid = await readUid(file, '0008,0018');
      const expected = await datasetSha256(file);
      expect(stored.get(sopInstanceUid)).toBe(expected);
      const blob = path.join(options.dataDir, 'blobs', BlobStoreRepository.keyFor(expected));
      expect(await datasetSha256(blob)).toBe(expected);
    }
    // Nothing acknowledged twice, nothing half-written left behind.
    expect(new Set(study.instances.map((instance) => instance.sopInstanceUid)).size).toBe(study.instances.length);
    expect(await settledStagedFiles(path.join(options.dataDir, 'staging'))).toBe(0);
  });
});
