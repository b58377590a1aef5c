import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { finishStaging as finish } from '../support/staging';

const realOpenSync = fsSync.openSync.bind(fsSync);

describe('BlobStoreRepository (files)', () => {
  let dataDir: string;
  let blobs: BlobStoreRepository;
  const stagingDir = (): string => path.join(dataDir, 'staging', 'test');

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-blobs-'));
    blobs = new BlobStoreRepository({ dataDir, stagingName: 'test' } as AppConfig);
    await blobs.initialise();
  });
  afterEach(async () => {
    await blobs.onApplicationShutdown();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('moves a staged object to its content address, once: the same content again finds the address taken', async () => {
    const header = Buffer.from('HEADER');
    const first = await finish(blobs.createStagingWriter(header), [Buffer.from('content')]);
    const committed = await blobs.commit(first);
    await expect(committed.durable).resolves.toBeUndefined();
    expect(committed.created).toBe(true);
    expect(committed.blobKey).toBe(BlobStoreRepository.keyFor(first.sha256));
    expect((await fs.readFile(blobs.pathOf(committed.blobKey))).toString()).toBe('HEADERcontent');

    const again = await finish(blobs.createStagingWriter(header), [Buffer.from('content')]);
    const second = await blobs.commit(again);
    await second.durable;
    expect({ blobKey: second.blobKey, created: second.created }).toEqual({ blobKey: committed.blobKey, created: false });
    // Neither staged copy is left; what remains are the empty files made ahead for the next objects, and shutdown removes them.
    const left = await fs.readdir(stagingDir());
    expect(left).not.toContain(path.basename(first.path));
    expect(left).not.toContain(path.basename(again.path));
    for (const name of left) expect((await fs.stat(path.join(stagingDir(), name))).size).toBe(0);
    await blobs.onApplicationShutdown();
    expect(await fs.readdir(stagingDir())).toEqual([]);
    expect([...(await collect(blobs.listKeys()))]).toEqual([committed.blobKey]);
  });

  it('syncs a new shard directory and the parents whose entries it made, so the blob survives a power cut without a journal', async () => {
    const opened: string[] = [];
    const open = jest.spyOn(fsSync, 'openSync').mockImplementation(((file: string, flags: fsSync.OpenMode) => {
      if (flags === 'r') opened.push(path.relative(dataDir, file));
      return realOpenSync(file, flags);
    }) as typeof fsSync.openSync);
    try {
      const staged = await finish(blobs.createStagingWriter(Buffer.from('H')), [Buffer.from('first')]);
      const { blobKey, durable } = await blobs.commit(staged);
      const [first, second] = blobKey.split('/');
      // The new shard's parents (beside the rename, not before it), the shard itself once the file is in
      // it: durable only when all are synced.
      await durable;
      expect(opened.sort()).toEqual(['blobs', `blobs/${first}`, `blobs/${first}/${second}`]);
      opened.length = 0;
      // The same content again: the address is taken and nothing is made, but the shard is synced, in
      // case a crash came between an earlier copy's rename and its sync.
      await (
        await blobs.commit(await finish(blobs.createStagingWriter(Buffer.from('H')), [Buffer.from('first')]))
      ).durable;
      expect(opened).toEqual([`blobs/${first}/${second}`]);

      // After a restart the shard is on disk but not known: its entry in its parent, and that one's in the
      // root, are synced once more (a crash may have come between its making and those syncs), then not again.
      await blobs.onApplicationShutdown();
      blobs = new BlobStoreRepository({ dataDir, stagingName: 'test' } as AppConfig);
      await blobs.initialise();
      const again = async (): Promise<void> =>
        (await blobs.commit(await finish(blobs.createStagingWriter(Buffer.from('H')), [Buffer.from('first')]))).durable;
      opened.length = 0;
      await again();
      expect(opened.sort()).toEqual(['blobs', `blobs/${first}`, `blobs/${first}/${second}`]);
      opened.length = 0;
      await again();
      expect(opened).toEqual([`blobs/${first}/${second}`]);
    } finally {
      open.mockRestore();
    }
  });

  it('acknowledges no blob in a new shard before the shard is synced into its parent, also a second one arriving meanwhile', async () => {
    // Two contents bound for one new shard (the address is the hash; chosen here, the bytes do not matter).
    const first = await finish(blobs.createStagingWriter(Buffer.from('H')), [Buffer.from('one')]);
    const second = await finish(blobs.createStagingWriter(Buffer.from('H')), [Buffer.from('two')]);
    const shardOf = (sha256: string): Parameters<BlobStoreRepository['commit']>[0] => ({ ...first, sha256 });
    const paths = new Map<number, string>();
    const open = jest.spyOn(fsSync, 'openSync').mockImplementation(((file: string, flags: fsSync.OpenMode) => {
      const fd = realOpenSync(file, flags);
      paths.set(fd, path.relative(dataDir, file));
      return fd;
    }) as typeof fsSync.openSync);
    // The parent's sync (the new shard's entry in blobs/ab) held until released.
    let releaseParent!: () => void;
    const parentHeld = new Promise<void>((resolve) => (releaseParent = resolve));
    const realFsync = fsSync.fsync.bind(fsSync);
    const fsync = jest.spyOn(fsSync, 'fsync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      if (paths.get(fd) === 'blobs/ab') void parentHeld.then(() => realFsync(fd, callback));
      else realFsync(fd, callback);
    }) as typeof fsSync.fsync);
    try {
      const one = blobs.commit(shardOf(`abcd${'1'.repeat(60)}`));
      const two = blobs.commit({ ...shardOf(`abcd${'2'.repeat(60)}`), path: second.path, durable: second.durable });
      const settled: string[] = [];
      const acknowledged = Promise.all([
        one.then(({ durable }) => durable).then(() => settled.push('first')),
        two.then(({ durable }) => durable).then(() => settled.push('second')),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Neither may be acknowledged while a power cut could still take the shard's entry back; the
      // renames did not wait for that sync, only the acknowledgements do.
      expect(settled).toEqual([]);
      for (const digit of ['1', '2']) {
        expect(fsSync.existsSync(path.join(blobs.blobRoot, 'ab', 'cd', `abcd${digit.repeat(60)}.dcm`))).toBe(true);
      }
      releaseParent();
      await acknowledged;
      expect(settled.sort()).toEqual(['first', 'second']);
      for (const digit of ['1', '2']) {
        expect(fsSync.existsSync(path.join(blobs.blobRoot, 'ab', 'cd', `abcd${digit.repeat(60)}.dcm`))).toBe(true);
      }
    } finally {
      releaseParent();
      open.mockRestore();
      fsync.mockRestore();
    }
  });

  it('writes the header alone when no content comes', async () => {
    const staged = await finish(blobs.createStagingWriter(Buffer.from('ONLY-HEADER')), []);
    await staged.durable;
    expect((await fs.readFile(staged.path)).toString()).toBe('ONLY-HEADER');
    expect(staged.totalBytes).toBe(11);
    expect(staged.head.toString()).toBe('ONLY-HEADER');
  });

  it('lets a reader that found the index record first wait until the file is at its address, and fails a missing one at once', async () => {
    const staged = await finish(blobs.createStagingWriter(Buffer.from('HEAD')), [Buffer.from('arriving')]);
    const blobKey = BlobStoreRepository.keyFor(staged.sha256);
    // The staged file's sync still running: the ingest has indexed the instance, the file is not in place yet.
    let synced!: () => void;
    const syncing = new Promise<void>((resolve) => (synced = resolve));
    const committing = blobs.commit({ ...staged, durable: syncing.then(() => staged.durable) });
    const settled: string[] = [];
    const opened = blobs.open(blobKey).then(async (source) => {
      settled.push('open');
      const bytes = await source.read(0, source.size);
      await source.close();
      return bytes.toString();
    });
    const streamed = collect(blobs.readStream(blobKey)).then((chunks) => {
      settled.push('stream');
      return Buffer.concat(chunks as Buffer[]).toString();
    });
    const stat = blobs.stat(blobKey).then((stats) => stats.size);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toEqual([]);
    expect(fsSync.existsSync(blobs.pathOf(blobKey))).toBe(false);
    synced();
    await (
      await committing
    ).durable;
    expect(await opened).toBe('HEADarriving');
    expect(await streamed).toBe('HEADarriving');
    expect(await stat).toBe(12);
    // Nothing on its way: a missing blob fails as before, without waiting.
    const missing = BlobStoreRepository.keyFor('f'.repeat(64));
    await expect(blobs.open(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(collect(blobs.readStream(missing))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
