import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDurableDirectory } from '../../src/common/file-sync';

const realOpenSync = fsSync.openSync.bind(fsSync);

describe('ensureDurableDirectory', () => {
  let root: string;
  let synced: string[];

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-durable-dir-'));
    synced = [];
    // syncDirectory opens a directory read-only to fsync it: each such open is one directory synced.
    jest.spyOn(fsSync, 'openSync').mockImplementation(((file: string, flags: fsSync.OpenMode) => {
      if (flags === 'r') synced.push(path.relative(root, file) || '.');
      return realOpenSync(file, flags);
    }) as typeof fsSync.openSync);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('syncs the directory holding each entry it made, up to the one that was there', async () => {
    await ensureDurableDirectory(path.join(root, 'data', 'database'));

    expect((await fs.stat(path.join(root, 'data', 'database'))).isDirectory()).toBe(true);
    expect(synced).toEqual(['data', '.']);
  });

  it('syncs the parent of a directory found there (an earlier start may have crashed before its sync), and nothing above', async () => {
    await fs.mkdir(path.join(root, 'data', 'blobs'), { recursive: true });

    await ensureDurableDirectory(path.join(root, 'data', 'blobs'));

    expect(synced).toEqual(['data']);
  });
});
