import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { closeQuietly } from '../common/file-sync';

/** A created, empty staging file and its open descriptor. */
export interface StagingFile {
  readonly path: string;
  readonly fd: number;
}

/** Where a staging writer gets its file once it knows it needs one. */
export interface StagingFileSource {
  /** A file now, on the calling thread. */
  take(): StagingFile;
  /** A file without blocking the calling thread. */
  takeAsync(): Promise<StagingFile>;
}

/** A new file at `filePath` (O_EXCL), for a writer given its own path. */
export function stagingFileAt(filePath: string): StagingFileSource {
  return {
    take: () => ({ path: filePath, fd: fs.openSync(filePath, 'wx') }),
    takeAsync: () => openNew(filePath),
  };
}

function openNew(filePath: string): Promise<StagingFile> {
  return new Promise((resolve, reject) =>
    fs.open(filePath, 'wx', (error, fd) => (error ? reject(error) : resolve({ path: filePath, fd }))),
  );
}

/**
 * Staging files created ahead of need, in libuv's thread pool. Creating a file right after the last
 * instance's fsyncs waits ~0.4 ms on this machine's ext4 (the journal still holds the blocks an inode
 * needs), measured in a loop of stage, fsync, rename, directory fsync; the engine's profile put ~0.9 ms
 * per small instance in that open on the event loop. Taken from here, it is made while the next
 * instance is still arriving. Files left by a crash are empty staging files, removed at start-up with
 * the rest (BlobStoreRepository.initialise).
 */
export class StagingFilePool implements StagingFileSource {
  private readonly ready: StagingFile[] = [];
  private opening: Array<Promise<void>> = [];
  private closed = false;

  constructor(
    private readonly directory: string,
    private readonly size: number,
  ) {
    this.refill();
  }

  take(): StagingFile {
    const file = this.ready.shift();
    this.refill();
    if (file) return file;
    const filePath = this.newPath();
    return { path: filePath, fd: fs.openSync(filePath, 'wx') };
  }

  takeAsync(): Promise<StagingFile> {
    const file = this.ready.shift();
    this.refill();
    return file ? Promise.resolve(file) : openNew(this.newPath());
  }

  /** Settles once the files being made ahead now are ready (or failed). */
  async filled(): Promise<void> {
    await Promise.all(this.opening);
  }

  /** Closes and removes the files made ahead; later takes make theirs on demand. */
  async close(): Promise<void> {
    this.closed = true;
    await this.filled();
    for (const file of this.ready.splice(0)) {
      closeQuietly(file.fd);
      await fs.promises.rm(file.path, { force: true });
    }
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.opening.length < this.size) {
      const opened: Promise<void> = openNew(this.newPath()).then(
        async (file) => {
          if (!this.closed) {
            this.ready.push(file);
            return;
          }
          // Made after close() began: removed before close() returns.
          closeQuietly(file.fd);
          await fs.promises.rm(file.path, { force: true });
        },
        // A file that cannot be made ahead is made on demand, where its error reaches the sender.
        () => undefined,
      );
      this.opening.push(opened);
      void opened.finally(() => (this.opening = this.opening.filter((each) => each !== opened)));
    }
  }

  private newPath(): string {
    return path.join(this.directory, `${randomUUID()}.part`);
  }
}
