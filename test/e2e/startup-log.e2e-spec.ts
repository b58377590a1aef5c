import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../support/ports';
import { startProcess, waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';
import { ENGINE_ENVIRONMENT, ENGINE_NODE_FLAGS } from '../../src/config/engine-node-flags';

const MAIN = path.join(__dirname, '..', '..', process.env.OSTEON_TEST_DIST ?? 'dist', 'src', 'main.js');

describe('start-up log when mongod cannot be downloaded (offline)', () => {
  it('says so in one warning line, then one fatal line, all JSON, and exits 1', async () => {
    const workspace = await tempWorkspace('startup-log');
    try {
      const engine = await startProcess(process.execPath, [...ENGINE_NODE_FLAGS, MAIN], {
        env: {
          PATH: process.env.PATH,
          HOME: workspace.dir,
          NODE_ENV: 'test',
          ...ENGINE_ENVIRONMENT,
          OSTEON_DATA_DIR: path.join(workspace.dir, 'data'),
          OSTEON_HTTP_PORT: String(await freePort()),
          OSTEON_DICOM_PORT: String(await freePort()),
          OSTEON_EMBEDDED_DB: 'mongod',
          // Offline here; on a machine with the internet, a download address that refuses makes it offline too.
          MONGOMS_DOWNLOAD_DIR: path.join(workspace.dir, 'mongod-binaries'),
          MONGOMS_DOWNLOAD_URL: 'http://127.0.0.1:9/mongodb.tgz',
        },
      });
      const code = await new Promise<number | null>((resolve) => engine.child.once('exit', (exitCode) => resolve(exitCode)));
      const lines = engine
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: number; msg: string; stack?: string });
      expect(code).toBe(1);
      expect(lines.filter((line) => line.level === 40 && /mongod/.test(line.msg))).toHaveLength(1);
      expect(lines.filter((line) => line.level >= 50)).toEqual([
        expect.objectContaining({ level: 60, msg: 'Osteon failed to start', err: expect.stringContaining('OSTEON_EMBEDDED_DB=mongod') }),
      ]);
      expect(lines.some((line) => line.stack !== undefined)).toBe(false);
    } finally {
      await workspace.cleanup();
    }
  }, 120_000);
});

describe('start-up log on a terminal', () => {
  it('is human-readable on a pseudo-terminal: no JSON, Nest chatter hidden, ending in the ready line', async () => {
    const workspace = await tempWorkspace('startup-tty');
    // util-linux `script` gives the engine a real pseudo-terminal as stdout, as a person's shell would.
    const command = `exec ${process.execPath} ${MAIN}`;
    const child = spawn('script', ['-q', '-f', '-e', '-c', command, '/dev/null'], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: workspace.dir,
        TERM: 'dumb',
        NODE_ENV: 'test',
        OSTEON_DATA_DIR: path.join(workspace.dir, 'data'),
        OSTEON_HTTP_PORT: String(await freePort()),
        OSTEON_DICOM_PORT: String(await freePort()),
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(async () => (output.includes('Osteon is ready') ? true : undefined), 90_000, 200);
    } finally {
      process.kill(-(child.pid as number), 'SIGTERM');
      await exited;
      await workspace.cleanup();
    }
    const lines = output
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '') // colours
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '');
    expect(lines.filter((line) => line.trimStart().startsWith('{"level"'))).toEqual([]);
    expect(lines.some((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[database\] database connected/.test(line))).toBe(true);
    expect(lines.filter((line) => line.includes('[nest]'))).toEqual([]);
    const ready = lines.findIndex((line) => line.includes('Osteon is ready. Console http://127.0.0.1:'));
    expect(lines[ready - 1]).toContain('HTTP API listening');
  }, 120_000);
});
