import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { dcmsend, echo } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { TEST_OPERATOR_API_KEY } from '../support/engine';
import { freePort } from '../support/ports';
import { waitFor } from '../support/processes';
import { fillDisk, mountSmallDisk } from '../support/tmpfs';
import { tempWorkspace } from '../support/workspace';

const MAIN = path.join(__dirname, '..', '..', process.env.OSTEON_TEST_DIST ?? 'dist', 'src', 'main.js');

describe('the engine whose log sits on a disk that fills up', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let unmount: (() => Promise<void>) | undefined;
  let engine: ChildProcess | undefined;

  beforeAll(async () => {
    workspace = await tempWorkspace('log-disk-full');
    unmount = await mountSmallDisk(path.join(workspace.dir, 'logs'), '1m', 'the log disk-full test');
  });

  afterAll(async () => {
    if (engine && engine.exitCode === null && engine.signalCode === null) engine.kill('SIGKILL');
    await unmount?.();
    await workspace?.cleanup();
  });

  it('keeps answering C-ECHO, C-STORE and HTTP with its log destination full, and still stops on SIGTERM', async () => {
    if (!unmount) return;
    const logs = path.join(workspace.dir, 'logs');
    const httpPort = await freePort();
    const dicomPort = await freePort();
    const log = await fs.open(path.join(logs, 'osteon.log'), 'a');
    // stdout and stderr go to a file on the 1 MB disk, as with `npm start >> /var/log/osteon.log`.
    engine = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        OSTEON_HTTP_PORT: String(httpPort),
        OSTEON_DICOM_PORT: String(dicomPort),
        OSTEON_DATA_DIR: path.join(workspace.dir, 'data'),
        OSTEON_EMBEDDED_DB: 'embedded',
        OSTEON_OPERATOR_API_KEY: TEST_OPERATOR_API_KEY,
        OSTEON_LOG_LEVEL: 'debug',
        OSTEON_STUDY_IDLE_MS: '600000',
      },
      stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    const health = async (): Promise<number> => (await fetch(`http://127.0.0.1:${httpPort}/health`).catch(() => undefined))?.status ?? 0;
    await waitFor(async () => ((await health()) === 200 ? true : undefined), 90_000);

    await fillDisk(logs);
    const [image] = await fixtureImageNames();
    for (let round = 0; round < 3; round += 1) {
      expect((await echo(dicomPort)).ok).toBe(true);
      const made = await makeInstance(image as string, path.join(workspace.dir, 'send', `${round}.dcm`), { patientId: `LOG-${round}` });
      expect([...(await dcmsend([made.file], dicomPort)).statuses.values()]).toEqual([0]);
      expect(await health()).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${httpPort}/metrics`, {
        headers: { authorization: `Bearer ${TEST_OPERATOR_API_KEY}` },
      });
      expect(metrics.status).toBe(200);
    }
    // The log's last page took a few more lines after the ballast; once it is full, lines are dropped and
    // counted. Lines are gathered for a moment before each write, so the count is awaited, with
    // the engine kept busy (each C-ECHO logs) until the page is full.
    const dropped = await waitFor(async () => {
      await echo(dicomPort);
      const metrics = await fetch(`http://127.0.0.1:${httpPort}/metrics`, {
        headers: { authorization: `Bearer ${TEST_OPERATOR_API_KEY}` },
      });
      return /osteon_log_lines_dropped_total ([1-9]\d*)/.exec(await metrics.text())?.[1];
    }, 30_000);
    expect(Number(dropped)).toBeGreaterThan(0);
    expect(await health()).toBe(200);

    const exited = new Promise<number | null>((resolve) => engine?.once('exit', (code) => resolve(code)));
    engine.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    expect(code).not.toBe('hung');
  }, 180_000);
});
