import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StagingFilePool } from '../../src/storage/staging-file.pool';

describe('StagingFilePool: staging files made ahead of need', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-staging-pool-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('hands out files it created ahead, makes the next ones, and removes the unused ones when closed', async () => {
    const pool = new StagingFilePool(dir, 2);
    await pool.filled();
    const ahead = await fs.readdir(dir);
    expect(ahead).toHaveLength(2);

    const file = pool.take();
    expect(ahead).toContain(path.basename(file.path));
    // The descriptor is open for writing, on that very file.
    fsSync.writeSync(file.fd, Buffer.from('staged'));
    fsSync.closeSync(file.fd);
    expect(await fs.readFile(file.path, 'utf8')).toBe('staged');
    await pool.filled();
    expect(await fs.readdir(dir)).toHaveLength(3);

    const other = await pool.takeAsync();
    expect(other.path).not.toBe(file.path);
    fsSync.closeSync(other.fd);

    await pool.close();
    // Only the files handed out stay: the writer that took one owns it.
    expect((await fs.readdir(dir)).sort()).toEqual([path.basename(file.path), path.basename(other.path)].sort());
  });

  it('makes a file on the spot when none is ready, and then too after it is closed', async () => {
    const pool = new StagingFilePool(dir, 1);
    await pool.close();
    const file = pool.take();
    fsSync.closeSync(file.fd);
    const later = await pool.takeAsync();
    fsSync.closeSync(later.fd);
    expect((await fs.readdir(dir)).sort()).toEqual([path.basename(file.path), path.basename(later.path)].sort());
  });

  it('lets an error reach the writer when no file can be made', async () => {
    const pool = new StagingFilePool(path.join(dir, 'missing'), 2);
    expect(() => pool.take()).toThrow(/ENOENT/);
    await expect(pool.takeAsync()).rejects.toThrow(/ENOENT/);
    await pool.close();
  });
});
