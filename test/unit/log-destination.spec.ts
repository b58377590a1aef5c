import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AsyncLogDestination } from '../../src/common/log-destination';
import { tempWorkspace } from '../support/workspace';

const run = promisify(execFile);
const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds; fails the test after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    await settle(20);
  }
}

describe('the log destination', () => {
  it('drops and counts lines a failing destination cannot take, without blocking or throwing', async () => {
    const fd = fs.openSync('/dev/full', 'w');
    try {
      const destination = new AsyncLogDestination(fd);
      const started = Date.now();
      for (let index = 0; index < 5000; index += 1) destination.write(`{"msg":"line ${index}"}\n`);
      expect(Date.now() - started).toBeLessThan(1000);
      await settle(200);
      await destination.flush(500);
      expect(destination.dropped).toBeGreaterThan(0);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('gathers lines logged close together into one write, and writes what is left on exit', async () => {
    const workspace = await tempWorkspace('log-gather');
    try {
      const file = path.join(workspace.dir, 'engine.log');
      const fd = fs.openSync(file, 'a');
      const write = jest.spyOn(fs, 'write');
      const destination = new AsyncLogDestination(fd, 1024 * 1024, 50);
      for (let index = 0; index < 20; index += 1) destination.write(`{"msg":"line ${index}"}\n`);
      await destination.flush();
      expect(write).toHaveBeenCalledTimes(1);
      expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(20);
      write.mockRestore();

      destination.write('{"msg":"last words"}\n');
      destination.flushSync();
      expect(fs.readFileSync(file, 'utf8')).toContain('"msg":"last words"');
      fs.closeSync(fd);
    } finally {
      await workspace.cleanup();
    }
  });

  it('keeps writing without a pause while lines come faster than one gathering interval holds', async () => {
    const workspace = await tempWorkspace('log-busy');
    try {
      const file = path.join(workspace.dir, 'engine.log');
      const fd = fs.openSync(file, 'a');
      // A gathering interval far longer than the test: only writes made at once can get the lines out.
      const destination = new AsyncLogDestination(fd, 1024 * 1024, 60_000);
      const line = `{"msg":"${'x'.repeat(1000)}"}\n`;
      for (let index = 0; index < 300; index += 1) destination.write(line);
      await until(() => fs.statSync(file).size >= 64 * 1024 * 4);
      expect(destination.dropped).toBe(0);
      fs.closeSync(fd);
    } finally {
      await workspace.cleanup();
    }
  });

  it('keeps its queue bounded when the destination falls behind', () => {
    const destination = new AsyncLogDestination(fs.openSync('/dev/null', 'w'), 1000);
    for (let index = 0; index < 100; index += 1) destination.write(`${'x'.repeat(99)}\n`);
    expect(destination.dropped).toBeGreaterThanOrEqual(89);
  });

  it('writes again when space returns and says once how many lines were lost', async () => {
    const workspace = await tempWorkspace('log-full');
    const disk = path.join(workspace.dir, 'disk');
    fs.mkdirSync(disk);
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    } catch (error) {
      process.stderr.write(
        `SKIPPED the log-recovery test: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); run as root\n`,
      );
      await workspace.cleanup();
      return;
    }
    try {
      const file = path.join(disk, 'engine.log');
      fs.writeFileSync(path.join(disk, 'ballast'), Buffer.alloc(1024 * 1024 - 64 * 1024));
      const fd = fs.openSync(file, 'a');
      const destination = new AsyncLogDestination(fd);
      for (let index = 0; index < 3000; index += 1) destination.write(`{"msg":"before ${index}","pad":"${'p'.repeat(40)}"}\n`);
      // Waited for, not slept on: on a loaded machine the first failure can come later than any fixed pause.
      await until(() => destination.dropped > 0);
      fs.rmSync(path.join(disk, 'ballast'));
      fs.truncateSync(file, 0);
      // It retries on its own (once a second) and reports the loss without waiting for a new line.
      const logged = (): string => fs.readFileSync(file, 'utf8');
      await until(() => logged().includes('log lines were dropped'));
      destination.write('{"msg":"after"}\n');
      await destination.flush(3000);
      await until(() => logged().includes('"msg":"after"'));
      const text = logged();
      expect(text).toContain('"msg":"after"');
      expect(text.match(/log lines were dropped/g)).toHaveLength(1);
      fs.closeSync(fd);
    } finally {
      await run('umount', ['-l', disk]);
      await workspace.cleanup();
    }
  });
});
