import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { Writable } from 'node:stream';

export interface StagedBlob {
  readonly path: string;
  /** SHA-256 of the content bytes (everything after the header), the blob's address. */
  readonly sha256: string;
  readonly headerLength: number;
  readonly totalBytes: number;
}

/**
 * Streams one object to a staging file: a header written first, then the content as it
 * arrives, hashed on the way. The file is fsynced before `finish`, so a finished writer is
 * durable on disk; a destroyed one removes its file.
 */
export class StagingWriter extends Writable {
  private handle: fs.FileHandle | undefined;
  private readonly hash: Hash = createHash('sha256');
  private position = 0;
  private contentBytes = 0;
  private finished = false;

  constructor(
    readonly path: string,
    private readonly header: Buffer,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    fs.open(this.path, 'wx')
      .then(async (handle) => {
        this.handle = handle;
        if (this.header.length > 0) await handle.write(this.header, 0, this.header.length, 0);
        this.position = this.header.length;
        callback();
      })
      .catch((error: Error) => callback(error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.writeAt(chunk)
      .then(() => callback())
      .catch((error: Error) => callback(error));
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const joined = Buffer.concat(chunks.map((entry) => entry.chunk));
    this._write(joined, 'binary', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    if (!handle) return callback(new Error('staging file was never opened'));
    handle
      .sync()
      .then(() => handle.close())
      .then(() => {
        this.handle = undefined;
        this.finished = true;
        callback();
      })
      .catch((error: Error) => callback(error));
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

  /** Only valid after `finish`. */
  result(): StagedBlob {
    if (!this.finished) throw new Error('staging writer has not finished');
    return {
      path: this.path,
      sha256: this.hash.digest('hex'),
      headerLength: this.header.length,
      totalBytes: this.header.length + this.contentBytes,
    };
  }

  private async writeAt(chunk: Buffer): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new Error('staging file is not open');
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, this.position);
      offset += bytesWritten;
      this.position += bytesWritten;
    }
    this.contentBytes += chunk.length;
  }
}
