import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { Writable } from 'node:stream';

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
 * Streams one object to a staging file: the header goes out with the first content, then the
 * content as it arrives, hashed on the way, its first bytes kept in memory. `finish` means every
 * byte is written; the fsync starts then and runs while the caller parses and validates the
 * object (`StagedBlob.durable`), which saves the fsync's wait on every instance. A destroyed
 * writer removes its file.
 */
export class StagingWriter extends Writable {
  private handle: fs.FileHandle | undefined;
  private headerPending: boolean;
  private readonly hash: Hash = createHash('sha256');
  private position = 0;
  private contentBytes = 0;
  private finished = false;
  private readonly headChunks: Buffer[] = [];
  private headBytes = 0;
  private synced: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly header: Buffer,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.headerPending = header.length > 0;
    this.keepHead(header);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    fs.open(this.path, 'wx')
      .then((handle) => {
        this.handle = handle;
        callback();
      })
      .catch((error: Error) => callback(error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  /** Several chunks in one positional writev: no joined copy (10 MB instances arrive in ~40 PDUs). */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((entry) => entry.chunk);
    for (const buffer of buffers) {
      this.hash.update(buffer);
      this.keepHead(buffer);
    }
    this.writeAt(buffers)
      .then(() => callback())
      .catch((error: Error) => callback(error));
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.headerPending) {
      // No content came: the header alone still makes the file.
      this.writeAt([])
        .then(() => this._final(callback))
        .catch((error: Error) => callback(error));
      return;
    }
    const handle = this.handle;
    if (!handle) return callback(new Error('staging file was never opened'));
    this.handle = undefined;
    this.synced = handle.sync().then(
      // Durable once synced: the commit need not wait for the descriptor to be released too.
      () => void handle.close().catch(() => undefined),
      async (error: Error) => {
        await handle.close().catch(() => undefined);
        throw error;
      },
    );
    // Observed by whoever commits or discards the file; never an unhandled rejection here.
    this.synced.catch(() => undefined);
    this.finished = true;
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    const cleanup = async (): Promise<void> => {
      await handle?.close().catch(() => undefined);
      if (!this.finished) await fs.rm(this.path, { force: true });
    };
    cleanup()
      .then(() => callback(error))
      .catch(() => callback(error));
  }

  /** Only valid after `finish`, and only once (the hash is final). */
  result(): StagedBlob {
    if (!this.finished) throw new Error('staging writer has not finished');
    const head = this.headChunks.length === 1 ? (this.headChunks[0] as Buffer) : Buffer.concat(this.headChunks, this.headBytes);
    this.headChunks.length = 0;
    return {
      path: this.path,
      sha256: this.hash.digest('hex'),
      headerLength: this.header.length,
      totalBytes: this.header.length + this.contentBytes,
      head,
      durable: this.synced as Promise<void>,
    };
  }

  private keepHead(chunk: Buffer): void {
    if (this.headBytes >= HEAD_IN_MEMORY_BYTES) return;
    // A copy: the receiver may reuse the memory behind the chunk once it is written.
    const kept = Buffer.from(chunk.subarray(0, HEAD_IN_MEMORY_BYTES - this.headBytes));
    this.headChunks.push(kept);
    this.headBytes += kept.length;
  }

  /** One positional writev; the header rides along with the first content. */
  private async writeAt(buffers: Buffer[]): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new Error('staging file is not open');
    const withHeader = this.headerPending;
    this.headerPending = false;
    let pending = (withHeader ? [this.header, ...buffers] : buffers).filter((buffer) => buffer.length > 0);
    let headerLeft = withHeader ? this.header.length : 0;
    while (pending.length > 0) {
      const { bytesWritten } = await handle.writev(pending, this.position);
      this.position += bytesWritten;
      const headerPart = Math.min(headerLeft, bytesWritten);
      headerLeft -= headerPart;
      this.contentBytes += bytesWritten - headerPart;
      pending = afterBytes(pending, bytesWritten);
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
