import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FLUSH_EVERY_BYTES, HEAD_IN_MEMORY_BYTES, StagingWriter, type StagedBlob } from '../../src/storage/staging-writer';
import { finishStaging } from '../support/staging';

function stage(file: string, header: Buffer, chunks: readonly Buffer[]): Promise<StagedBlob> {
  return finishStaging(new StagingWriter(file, header), chunks);
}

describe('StagingWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-staging-'));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const writeAwaited = (writer: StagingWriter, chunk: Buffer): Promise<void> =>
    new Promise((resolve, reject) => writer.write(chunk, (error) => (error ? reject(error) : resolve())));
  const descriptors = async (): Promise<number> => (await fs.readdir('/proc/self/fd')).length;

  it('writes header and content, keeps the first bytes in memory and settles durable once synced', async () => {
    const header = Buffer.from('HEADER--');
    const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2)];
    const staged = await stage(path.join(dir, 'a.part'), header, chunks);
    await expect(staged.durable).resolves.toBeUndefined();
    const onDisk = await fs.readFile(staged.path);
    expect(onDisk.equals(Buffer.concat([header, ...chunks]))).toBe(true);
    expect(staged.head.equals(onDisk)).toBe(true);
    expect(staged.headerLength).toBe(header.length);
    expect(staged.totalBytes).toBe(onDisk.length);
  });

  it('keeps at most HEAD_IN_MEMORY_BYTES, copied, so a sender reusing its buffer changes nothing', async () => {
    const big = Buffer.alloc(HEAD_IN_MEMORY_BYTES + 10_000, 7);
    const staged = await stage(path.join(dir, 'b.part'), Buffer.alloc(0), [big]);
    big.fill(0);
    await staged.durable;
    expect(staged.head.length).toBe(HEAD_IN_MEMORY_BYTES);
    expect(staged.head.every((byte) => byte === 7)).toBe(true);
    expect((await fs.stat(staged.path)).size).toBe(HEAD_IN_MEMORY_BYTES + 10_000);
  });

  it('streams an object larger than its head to the file as it arrives, never holding it whole', async () => {
    const file = path.join(dir, 'd.part');
    const writer = new StagingWriter(file, Buffer.from('HEADER'));
    const first = Buffer.alloc(HEAD_IN_MEMORY_BYTES, 1);
    await new Promise<void>((resolve, reject) => writer.write(first, (error) => (error ? reject(error) : resolve())));
    // The head is full and the first byte beyond it made the file: everything so far is on disk.
    expect((await fs.stat(file)).size).toBe(6 + HEAD_IN_MEMORY_BYTES);
    const second = Buffer.alloc(5000, 2);
    await new Promise<void>((resolve, reject) => writer.write(second, (error) => (error ? reject(error) : resolve())));
    expect((await fs.stat(file)).size).toBe(6 + HEAD_IN_MEMORY_BYTES + 5000);
    const staged = await finishStaging(writer, []);
    await staged.durable;
    expect((await fs.readFile(file)).equals(Buffer.concat([Buffer.from('HEADER'), first, second]))).toBe(true);
    expect(staged.totalBytes).toBe(6 + HEAD_IN_MEMORY_BYTES + 5000);
  });

  it('refuses a file that exists already (two writers never share a staging file)', async () => {
    const file = path.join(dir, 'e.part');
    await fs.writeFile(file, 'someone else');
    await expect(stage(file, Buffer.from('H'), [Buffer.from('x')])).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await fs.readFile(file, 'utf8')).toBe('someone else');
  });

  it('closes its file only after a write still in flight, and removes it, when destroyed mid-object', async () => {
    const before = await descriptors();
    const file = path.join(dir, 'f.part');
    const writer = new StagingWriter(file, Buffer.from('H'));
    // Beyond the head: the file is opened and written in the pool, and the destroy comes meanwhile.
    writer.write(Buffer.alloc(HEAD_IN_MEMORY_BYTES + 4 * 1024 * 1024, 3));
    await new Promise<void>((resolve) => {
      writer.once('close', resolve);
      writer.destroy();
    });
    await expect(fs.access(file)).rejects.toThrow();
    expect(await descriptors()).toBe(before);
  });

  it.each([
    ['that fits its head (nothing written yet)', 100],
    ['that is being streamed', HEAD_IN_MEMORY_BYTES + 100],
  ])('leaves no file when destroyed before the end of an object %s', async (_, size) => {
    const file = path.join(dir, 'c.part');
    const writer = new StagingWriter(file, Buffer.from('H'));
    await new Promise<void>((resolve, reject) => writer.write(Buffer.alloc(size), (error) => (error ? reject(error) : resolve())));
    await new Promise<void>((resolve) => {
      writer.once('close', resolve);
      writer.destroy();
    });
    await expect(fs.access(file)).rejects.toThrow();
  });

  it('flushes a streamed object to the disk behind the bytes still arriving, before its end', async () => {
    const flushes = jest.spyOn(fsSync, 'fdatasync');
    const writer = new StagingWriter(path.join(dir, 'g.part'), Buffer.from('H'));
    const mebibyte = 1024 * 1024;
    const chunks = Array.from({ length: FLUSH_EVERY_BYTES / mebibyte + 3 }, (_, index) => Buffer.alloc(mebibyte, index + 1));
    for (const chunk of chunks) await writeAwaited(writer, chunk);
    // More than FLUSH_EVERY_BYTES written, nothing ended yet: a flush of what arrived has started.
    expect(flushes).toHaveBeenCalled();
    const staged = await finishStaging(writer, []);
    await expect(staged.durable).resolves.toBeUndefined();
    expect((await fs.readFile(staged.path)).equals(Buffer.concat([Buffer.from('H'), ...chunks]))).toBe(true);
  });

  it('fails durable when a flush behind the arriving bytes failed, though the final fsync would pass', async () => {
    const before = await descriptors();
    jest.spyOn(fsSync, 'fdatasync').mockImplementation(((_fd: number, callback: (error: Error | null) => void) => {
      setImmediate(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    }) as typeof fsSync.fdatasync);
    const writer = new StagingWriter(path.join(dir, 'h.part'), Buffer.from('H'));
    const chunks = Array.from({ length: 4 }, () => Buffer.alloc(1024 * 1024, 9));
    for (const chunk of chunks) await writeAwaited(writer, chunk);
    const staged = await finishStaging(writer, []);
    await expect(staged.durable).rejects.toMatchObject({ code: 'EIO' });
    expect(await descriptors()).toBe(before);
  });
});
