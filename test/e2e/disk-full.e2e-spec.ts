import fs from 'node:fs/promises';
import path from 'node:path';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine, type EngineOptions } from '../support/engine';
import { api, TEST_PASSWORD } from '../support/http';
import { fillDisk, mountSmallDisk } from '../support/tmpfs';
import { tempWorkspace } from '../support/workspace';

const A700 = 0xa700;

describe('the engine with its data directory on a disk that fills up (embedded defaults)', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let unmount: (() => Promise<void>) | undefined;
  let engine: Engine | undefined;
  let options: EngineOptions;
  let disk: string;

  beforeAll(async () => {
    workspace = await tempWorkspace('disk-full-engine');
    disk = path.join(workspace.dir, 'disk');
    unmount = await mountSmallDisk(disk, '64m', 'the engine disk-full test');
    options = { dataDir: path.join(disk, 'data'), env: { OSTEON_STUDY_IDLE_MS: '600000' } };
  });

  afterAll(async () => {
    await engine?.stop();
    await unmount?.();
    await workspace?.cleanup();
  });

  it('answers A700 and 503 while the disk is full, loses nothing it acknowledged, and works again when space returns', async () => {
    if (!unmount) return;
    engine = await startEngine(options);
    const [image] = await fixtureImageNames();
    const files: string[] = [];
    let studyInstanceUid: string | undefined;
    for (let index = 0; index < 6; index += 1) {
      const made = await makeInstance(
        image as string,
        path.join(workspace.dir, 'send', `${index}.dcm`),
        { patientId: 'FULL' },
        { studyInstanceUid, instanceNumber: index + 1 },
      );
      studyInstanceUid = made.studyInstanceUid;
      files.push(made.file);
    }
    const user = (name: string): Promise<{ status: number }> =>
      api(engine as Engine, 'POST', '/api/users', {
        json: { username: name, password: TEST_PASSWORD, role: 'doctor', displayName: name },
      });

    expect([...(await dcmsend(files.slice(0, 2), engine.dicomPort)).statuses.values()]).toEqual([0, 0]);
    expect((await user('before-full')).status).toBe(201);

    const ballast = await fillDisk(disk);
    const whileFull = await dcmsend(files.slice(2, 4), engine.dicomPort);
    expect([...whileFull.statuses.values()]).toEqual([A700, A700]);
    // The journal's last page may still have room for a few small records: write until refused.
    const accepted = ['before-full'];
    const refused: string[] = [];
    for (let index = 0; index < 40 && refused.length === 0; index += 1) {
      const name = `while-full-${index}`;
      const status = (await user(name)).status;
      expect([201, 503]).toContain(status);
      (status === 201 ? accepted : refused).push(name);
    }
    expect(refused).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${engine.httpPort}/health`)).status).toBeLessThan(600);

    await fs.rm(ballast);
    expect([...(await dcmsend(files.slice(4, 6), engine.dicomPort)).statuses.values()]).toEqual([0, 0]);
    expect((await user('after-full')).status).toBe(201);
    accepted.push('after-full');

    await engine.kill9();
    engine = await startEngine(options);
    const study = await api<{ instances: Array<{ sopInstanceUid: string }> }>(engine, 'GET', `/api/studies/${studyInstanceUid}`);
    expect(study.body.instances).toHaveLength(4);
    const usernames = ((await api<Array<{ username: string }>>(engine, 'GET', '/api/users')).body as Array<{ username: string }>).map(
      (entry) => entry.username,
    );
    expect(usernames).toEqual(expect.arrayContaining(accepted));
    expect(usernames).not.toContain(refused[0]);
  });
});
