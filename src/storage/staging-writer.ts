import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { closeQuietly, syncAndClose, syncData } from '../common/file-sync';
import { stagingFileAt, type StagingFileSource } from './staging-file.pool';

export interface StagedBlob {
  readonly path: string;
  /** SHA-256 of the content bytes (everything after the header), the blob's address. */
  readonly sha256: string;
  readonly headerLength: number;
  readonly totalBytes: number;
  /** The file's first bytes (up to HEAD_IN_MEMORY_BYTES): its header is parsed without reading the file back. */
  readonly head: Buffer;
  /** Settles once the file is fsynced (it is closed after); nothing may point at the file before it resolves. */
  readonly durable: Promise<void>;
}

/** Covers the header and often the whole of a small radiograph; one buffer per object being received. */
export const HEAD_IN_MEMORY_BYTES = 256 * 1024;

/**
 * A streamed object is flushed to the disk behind the bytes still arriving, every this many bytes, so
 * that its final fsync (which the sender's answer waits for) has only the rest to write: on this
 * project's disks an fsync of 10 MB took ~8 ms, of 2 MB ~2 ms (bench/README.md, issue 21).
 */
export const FLUSH_EVERY_BYTES = 2 * 1024 * 1024;

/**
 * Stages one object in a file: header first, then the content, hashed on the way, its first bytes
 * kept in memory. `finish` means every byte is written; the fsync starts then and runs while the
 * caller parses and validates the object (`StagedBlob.durable`). A destroyed writer removes its file.
 *
 * An object that fits in the head (a small radiograph, most of a department's instances) is written
 * only at the end, with one blocking write on the calling thread into a file made ahead of need
 * (StagingFilePool; else one blocking open): each trip to libuv's
 * thread pool was measured at 50-100 µs of CPU on these machines (the hand-off to another thread
 * and back), against a few microseconds for the call itself, and an object written as it arrived took
 * four of them (open, write, close and the fsync). The write lands in the page cache (a copy of at most
 * 256 KB); the fsync, which waits on the disk, stays off the thread. A larger object switches to
 * streaming: the file is opened and everything kept so far written asynchronously, then each chunk
 * as it comes, so no object is ever held whole in memory.
 */
export class StagingWriter extends Writable {
  private fd: number | undefined;
  /** Known once the file is made: at the end for an object that fits in the head. */
  private path: string | undefined;
  private readonly files: StagingFileSource;
  /** The file is this writer's (opened with O_EXCL): only then may it remove it. */
  private created = false;
  private streaming = false;
  private readonly hash: Hash = createHash('sha256');
  private position = 0;
  private contentBytes = 0;
  private finished = false;
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;
  private head: Buffer | undefined;
  private synced: Promise<void> | undefined;
  /** The open or write in flight in the pool: the descriptor is closed only after it (its number could be reused). */
  private io: Promise<unknown> = Promise.resolve();
  /** A flush behind the arriving bytes, in the pool; like `io`, the descriptor outlives it. */
  private flushing: Promise<void> | undefined;
  private flushedTo = 0;
  /** A flush's failure is reported once by the kernel: kept, it fails the final sync. */
  private flushError: Error | undefined;

  /** `target`: where files come from, or one path of the writer's own. */
  constructor(
    target: string | StagingFileSource,
    private readonly header: Buffer,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.files = typeof target === 'string' ? stagingFileAt(target) : target;
    // A file meta header is a few hundred bytes; the head must hold all of it.
    if (header.length > HEAD_IN_MEMORY_BYTES) throw new RangeError(`a staged header of ${header.length} bytes is too large`);
    this.keepHead(header);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  /** Several chunks in one positional writev: no joined copy (10 MB instances arrive in ~40 PDUs). */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const beyondHead: Buffer[] = [];
    for (const { chunk } of chunks) {
      this.hash.update(chunk);
      this.contentBytes += chunk.length;
      const kept = this.keepHead(chunk);
      if (kept < chunk.length) beyondHead.push(chunk.subarray(kept));
    }
    if (beyondHead.length === 0) return callback();
    // Larger than the head: from now on the file is written as the object arrives.
    const pending = this.streaming ? beyondHead : [...this.headChunks, ...beyondHead];
    const written = this.startStreaming().then(() => this.writeAll(pending));
    this.io = written.catch(() => undefined);
    written.then(() => callback()).catch((error: Error) => callback(error));
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      if (!this.streaming) {
        // All of it is in the head: one blocking write (and open, when no file was made ahead), then the fsync off the thread.
        this.head = this.joinedHead();
        const file = this.files.take();
        this.path = file.path;
        this.fd = file.fd;
        this.created = true;
        this.writeAllSync([this.head]);
      }
    } catch (error) {
      callback(error as Error);
      return;
    }
    const fd = this.fd;
    if (fd === undefined) return callback(new Error('staging file was never opened'));
    this.fd = undefined;
    this.synced = (this.flushing ?? Promise.resolve()).then(() => {
      if (!this.flushError) return syncAndClose(fd);
      closeQuietly(fd);
      throw this.flushError;
    });
    // Observed by whoever commits or discards the file; never an unhandled rejection here.
    this.synced.catch(() => undefined);
    this.finished = true;
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A destroy can come while a write is still in the pool (an association aborted mid-object).
    void Promise.all([this.io, this.flushing]).then(() => {
      const fd = this.fd;
      this.fd = undefined;
      if (fd !== undefined) closeQuietly(fd);
      if (this.finished || !this.created || this.path === undefined) return callback(error);
      fs.rm(this.path, { force: true }, () => callback(error));
    });
  }

  /** Only valid after `finish`, and only once (the hash is final). */
  result(): StagedBlob {
    if (!this.finished) throw new Error('staging writer has not finished');
    const head = this.head ?? this.joinedHead();
    this.headChunks.length = 0;
    return {
      path: this.path as string,
      sha256: this.hash.digest('hex'),
      headerLength: this.header.length,
      totalBytes: this.header.length + this.contentBytes,
      head,
      durable: this.synced as Promise<void>,
    };
  }

  private joinedHead(): Buffer {
    return this.headChunks.length === 1 ? (this.headChunks[0] as Buffer) : Buffer.concat(this.headChunks, this.headBytes);
  }

  /** Keeps the chunk's first bytes while the head has room; returns how many. */
  private keepHead(chunk: Buffer): number {
    const room = HEAD_IN_MEMORY_BYTES - this.headBytes;
    if (room <= 0 || chunk.length === 0) return 0;
    const part = chunk.subarray(0, room);
    const only = this.headChunks.length === 1 ? (this.headChunks[0] as Buffer) : undefined;
    if (only !== undefined && only.length === this.header.length && this.headBytes === this.header.length) {
      // The first content goes behind the header in one new buffer: a small object (one data set in one
      // PDV) then has its whole head without a second copy to join the two.
      const joined = Buffer.allocUnsafe(only.length + part.length);
      only.copy(joined, 0);
      part.copy(joined, only.length);
      this.headChunks[0] = joined;
    } else {
      // A copy: the sender may reuse the memory behind the chunk once it is written.
      this.headChunks.push(Buffer.from(part));
    }
    this.headBytes += part.length;
    return part.length;
  }

  private async startStreaming(): Promise<void> {
    if (this.streaming) return;
    this.streaming = true;
    const file = await this.files.takeAsync();
    this.path = file.path;
    this.fd = file.fd;
    this.created = true;
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const fd = this.fd;
      if (fd === undefined) throw new Error('staging file is not open');
      const written = await new Promise<number>((resolve, reject) =>
        fs.writev(fd, pending, this.position, (error, bytes) => (error ? reject(error) : resolve(bytes))),
      );
      this.position += written;
      pending = afterBytes(pending, written);
      this.flushBehind();
    }
  }

  /** Starts writing what is in the page cache to the disk while the rest arrives (one flush at a time). */
  private flushBehind(): void {
    const fd = this.fd;
    if (fd === undefined || this.flushing || this.flushError || this.position - this.flushedTo < FLUSH_EVERY_BYTES) return;
    const upTo = this.position;
    this.flushing = syncData(fd)
      .then(
        () => void (this.flushedTo = upTo),
        (error: Error) => void (this.flushError = error),
      )
      .finally(() => (this.flushing = undefined));
  }

  private writeAllSync(buffers: Buffer[]): void {
    let pending = buffers;
    while (pending.length > 0) {
      const written = fs.writevSync(this.fd as number, pending, this.position);
      this.position += written;
      pending = afterBytes(pending, written);
    }
  }
}

/** What is left of `buffers` once `count` bytes of them are written (a short write). */
function afterBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  let skipped = count;
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (skipped >= buffer.length) {
      skipped -= buffer.length;
      continue;
    }
    rest.push(skipped > 0 ? buffer.subarray(skipped) : buffer);
    skipped = 0;
  }
  return rest;
}
