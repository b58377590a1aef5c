import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A small tmpfs at `dir`, so a disk really fills up; undefined (after one clear line on stderr)
 * where this machine cannot mount one (not root): the caller skips its test.
 */
export async function mountSmallDisk(dir: string, size: string, test: string): Promise<(() => Promise<void>) | undefined> {
  await fs.mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    return async () => void (await run('umount', ['-l', dir]));
  } catch (error) {
    process.stderr.write(`SKIPPED ${test}: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); run as root\n`);
    return undefined;
  }
}

/** Fills the file system holding `dir` to the last byte with a ballast file; returns its path. */
export async function fillDisk(dir: string): Promise<string> {
  const ballast = path.join(dir, 'ballast');
  const handle = await fs.open(ballast, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          await handle.write(chunk, 0, size);
        } catch {
          break;
        }
      }
    }
  } finally {
    await handle.close();
  }
  return ballast;
}
