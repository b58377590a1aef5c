import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ensureDurableDirectory, syncDirectory } from '../common/file-sync';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { ByteSource } from './byte-source';
import { StagingFilePool } from './staging-file.pool';
import { StagingWriter, type StagedBlob } from './staging-writer';

/** Staging files made ahead: one per association finishing an instance at the same moment, for a few rooms. */
const STAGING_FILES_AHEAD = 4;

const SHARD_READY: Promise<void> = Promise.resolve();

const BLOB_KEY_PATTERN = /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.dcm$/;

export interface CommittedBlob {
  readonly blobKey: string;
  /** false: the address held this content already and the staged copy was dropped. */
  readonly created: boolean;
  /** Settles once the blob's directory entry is synced (a power cut cannot take the file back). */
  readonly durable: Promise<void>;
}

export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

/**
 * Content-addressed, fsynced file store under OSTEON_DATA_DIR. It is the source of truth for
 * received instances: the database index can always be rebuilt from it.
 */
@Injectable()
export class BlobStoreRepository implements OnApplicationShutdown {
  readonly blobRoot: string;
  private readonly stagingRoot: string;
  private stagingFiles: StagingFilePool | undefined;
  /** Shard directories made (or found) by this process, each synced into its parent or on its way there. */
  private readonly shards = new Map<string, Promise<void>>();
  /**
   * Blobs on their way to their address, each until its rename (or failure). The ingest indexes an
   * instance while its file is still being synced, so a query can find the record a few ms before the
   * file is in place: a reader of such a blob waits for it instead of failing.
   */
  private readonly arriving = new Map<string, Promise<void>>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.blobRoot = path.join(config.dataDir, 'blobs');
    this.stagingRoot = path.join(config.dataDir, 'staging', config.stagingName);
  }

  /**
   * Staging files this replica left in a crash were never acknowledged: they are safe to drop.
   * Each replica stages in its own folder (OSTEON_WORKER_ID, else the host name).
   */
  async initialise(): Promise<number> {
    // Its entry in the data directory made durable: every acknowledged blob lies under it.
    await ensureDurableDirectory(this.blobRoot);
    await fs.mkdir(this.stagingRoot, { recursive: true });
    // Files made ahead by this process are not leftovers: put them away before the folder is cleared.
    await this.stagingFiles?.close();
    this.stagingFiles = undefined;
    const leftovers = await fs.readdir(this.stagingRoot);
    await Promise.all(leftovers.map((name) => fs.rm(path.join(this.stagingRoot, name), { force: true })));
    this.stagingFiles = new StagingFilePool(this.stagingRoot, STAGING_FILES_AHEAD);
    return leftovers.length;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stagingFiles?.close();
  }

  createStagingWriter(header: Buffer): StagingWriter {
    return new StagingWriter(this.stagingFiles ?? path.join(this.stagingRoot, `${randomUUID()}.part`), header);
  }

  /**
   * Moves a finished staging file to its content address once it is durable; `created` is false
   * if the address was taken already. It resolves as soon as the file is in place; `durable` settles
   * once the directory entry is synced too, so the caller can index the blob meanwhile. Nothing may
   * be acknowledged before both.
   */
  commit(staged: StagedBlob): Promise<CommittedBlob> {
    const blobKey = BlobStoreRepository.keyFor(staged.sha256);
    const placing = this.place(staged, blobKey);
    // Settles (never rejects) once the file is in place or will not be; the latest commit of a key is the one waited for.
    const placed: Promise<void> = placing.then(ended, ended).then(() => {
      if (this.arriving.get(blobKey) === placed) this.arriving.delete(blobKey);
    });
    this.arriving.set(blobKey, placed);
    return placing;
  }

  private async place(staged: StagedBlob, blobKey: string): Promise<CommittedBlob> {
    const target = this.pathOf(blobKey);
    const shard = path.dirname(target);
    // The address check, the shard directory and the rename are blocking calls on this thread, made
    // while the file's fsync runs: each is a few microseconds of metadata work, where a trip to libuv's
    // thread pool costs 50-100 µs of CPU (common/file-sync.ts). Only the fsyncs wait on the disk.
    const shardSynced = this.shardSynced(shard);
    const taken = existsSync(target);
    await staged.durable;
    if (taken) {
      rmSync(staged.path, { force: true });
      // The address may hold a rename whose directory sync a crash interrupted: sync it before this
      // copy is acknowledged in its place.
      return { blobKey, created: false, durable: observed(bothSynced(syncDirectory(shard), shardSynced)) };
    }
    renameSync(staged.path, target);
    return { blobKey, created: true, durable: observed(bothSynced(syncDirectory(shard), shardSynced)) };
  }

  /**
   * Makes the shard directory (now, on this thread) and settles once its entry in its parent, and that
   * one's in the store's root, are synced: without a journal (ext4 here) only a sync of each parent makes
   * those entries durable. Done once per process for every shard it uses, made now or found on disk: a
   * found one may have been made by a process that crashed, or by another replica still syncing, before
   * its entries were. The rename does not wait for it, only the acknowledgement does (beside the shard's
   * own sync): on a new store most instances make their shard, and the file was in place with its
   * directory synced ~0.5 ms sooner (bench/README.md). Every commit into a shard waits for the same
   * promise, so a second sender into a shard made a moment ago (the same content from two rooms, most
   * often) is not acknowledged before the shard's entry is durable.
   */
  private shardSynced(shard: string): Promise<void> {
    const known = this.shards.get(shard);
    if (known) return known;
    mkdirSync(shard, { recursive: true });
    const synced = bothSynced(syncDirectory(path.dirname(shard)), syncDirectory(this.blobRoot));
    this.shards.set(shard, synced);
    // Synced: one shared settled promise stands for it (a store has up to 65,536 shards). Failed: the
    // failure is the caller's, and the next commit into the shard tries again.
    synced.then(
      () => this.shards.set(shard, SHARD_READY),
      () => this.shards.delete(shard),
    );
    return synced;
  }

  async exists(blobKey: string): Promise<boolean> {
    return fs.access(this.pathOf(blobKey)).then(
      () => true,
      () => false,
    );
  }

  async discard(stagingPath: string): Promise<void> {
    await fs.rm(stagingPath, { force: true });
  }

  async remove(blobKey: string): Promise<void> {
    await fs.rm(this.pathOf(blobKey), { force: true });
  }

  async open(blobKey: string): Promise<FileByteSource> {
    await this.arriving.get(blobKey);
    return openByteSource(this.pathOf(blobKey));
  }

  async openStaged(stagingPath: string): Promise<FileByteSource> {
    return openByteSource(stagingPath);
  }

  /** A staged object's bytes: from the head kept in memory, the file opened only for what lies beyond. */
  stagedSource(staged: StagedBlob): FileByteSource {
    let file: Promise<FileByteSource> | undefined;
    const { head } = staged;
    return {
      size: staged.totalBytes,
      read: async (position, length) => {
        if (position + length <= head.length) return head.subarray(position, position + length);
        file ??= openByteSource(staged.path);
        return (await file).read(position, length);
      },
      close: async () => {
        if (file) await file.then((opened) => opened.close()).catch(() => undefined);
      },
    };
  }

  readStream(blobKey: string): Readable {
    const filePath = this.pathOf(blobKey);
    const arriving = this.arriving.get(blobKey);
    if (!arriving) return createReadStream(filePath);
    return Readable.from(
      (async function* () {
        await arriving;
        yield* createReadStream(filePath);
      })(),
      { objectMode: false },
    );
  }

  async stat(blobKey: string): Promise<{ size: number; modifiedAt: Date }> {
    await this.arriving.get(blobKey);
    const stats = await fs.stat(this.pathOf(blobKey));
    return { size: stats.size, modifiedAt: stats.mtime };
  }

  /** Every stored blob key, streamed directory by directory. */
  async *listKeys(): AsyncGenerator<string> {
    for (const first of await readdirSafe(this.blobRoot)) {
      for (const second of await readdirSafe(path.join(this.blobRoot, first))) {
        for (const name of await readdirSafe(path.join(this.blobRoot, first, second))) {
          const key = `${first}/${second}/${name}`;
          if (BLOB_KEY_PATTERN.test(key)) yield key;
        }
      }
    }
  }

  pathOf(blobKey: string): string {
    if (!BLOB_KEY_PATTERN.test(blobKey)) throw new Error(`invalid blob key ${blobKey}`);
    return path.join(this.blobRoot, blobKey);
  }

  static keyFor(sha256: string): string {
    return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}.dcm`;
  }

  static shaOf(blobKey: string): string {
    return path.basename(blobKey, '.dcm');
  }
}

async function openByteSource(filePath: string): Promise<FileByteSource> {
  const handle = await fs.open(filePath, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(position, length) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

/** Both syncs done; the first failure otherwise. */
async function bothSynced(first: Promise<void>, second: Promise<void>): Promise<void> {
  await Promise.all([first, second]);
}

function ended(): void {
  // Nothing to pass on: a reader waits for the outcome, then finds the file or not.
}

/** A promise whose rejection is its awaiter's to handle, never an unhandled rejection when nobody awaits it. */
function observed(promise: Promise<void>): Promise<void> {
  promise.catch(() => undefined);
  return promise;
}

async function readdirSafe(directory: string): Promise<string[]> {
  try {
    return (await fs.readdir(directory)).sort();
  } catch {
    return [];
  }
}
