import fs from 'node:fs/promises';
import path from 'node:path';
import { isProcessRunning } from '../../common/process-alive';

export interface StoreLock {
  release(): Promise<void>;
}

/** Two processes appending to one journal would interleave records: one owner at a time. */
export class StoreLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `the embedded database in ${dir} is in use by process ${pid}; stop it first (or remove ${path.join(dir, 'LOCK')} if that process is gone)`,
    );
    this.name = 'StoreLockedError';
  }
}

/** Takes `LOCK` (our pid); a lock left by a process that no longer runs (kill -9) is taken over. */
export async function acquireStoreLock(dir: string): Promise<StoreLock> {
  const file = path.join(dir, 'LOCK');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.sync();
      await handle.close();
      return { release: () => fs.rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessRunning(owner)) throw new StoreLockedError(dir, owner);
    await fs.rm(file, { force: true });
  }
  throw new Error(`could not take the embedded database lock in ${dir}`);
}
