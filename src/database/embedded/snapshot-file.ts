import fs from 'node:fs/promises';
import path from 'node:path';
import { Long, deserialize } from 'bson';
import { syncDirectory } from '../../common/file-sync';
import { FRAME_HEADER_BYTES, frame, readFrame, StoreCorruptError } from './frame-format';
import type { IndexSpec } from './sorted-index';
import { bsonBytes } from './store-operation';
import type { StoredDocument } from './stored-collection';

export const SNAPSHOT_FILE = 'snapshot.oss';
const MAGIC = Buffer.from('OSS1');
const WRITE_CHUNK_BYTES = 4 << 20;
const READ_CHUNK_BYTES = 16 << 20;

export interface CollectionImage {
  readonly db: string;
  readonly name: string;
  readonly indexes: readonly IndexSpec[];
  /** Objects, or BSON bytes (written and read back as they are). */
  readonly documents: readonly StoredDocument[];
}

/**
 * Writes the whole state as of `lsn` beside the live file, fsyncs it, renames it over the
 * old one and fsyncs the directory: a crash at any point leaves either snapshot whole.
 * Serialises in slices and yields between them so the database keeps answering.
 */
export async function writeSnapshot(dir: string, lsn: number, collections: readonly CollectionImage[]): Promise<number> {
  const target = path.join(dir, SNAPSHOT_FILE);
  const temporary = `${target}.tmp`;
  const handle = await fs.open(temporary, 'w');
  let written = 0;
  try {
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const push = async (payload: Buffer): Promise<void> => {
      const bytes = frame(MAGIC, payload);
      chunk.push(bytes);
      chunkBytes += bytes.length;
      if (chunkBytes < WRITE_CHUNK_BYTES) return;
      await writeAll(handle, Buffer.concat(chunk));
      written += chunkBytes;
      chunk = [];
      chunkBytes = 0;
      await new Promise((resolve) => setImmediate(resolve));
    };
    await push(bsonBytes({ format: 1, lsn: Long.fromNumber(lsn), createdAt: new Date() }));
    for (const collection of collections) {
      await push(bsonBytes({ db: collection.db, c: collection.name, indexes: collection.indexes, count: collection.documents.length }));
      for (const document of collection.documents) await push(Buffer.isBuffer(document) ? document : bsonBytes(document));
    }
    await push(bsonBytes({ end: true, collections: collections.length }));
    if (chunkBytes > 0) await writeAll(handle, Buffer.concat(chunk));
    written += chunkBytes;
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await fs.rename(temporary, target);
  await syncDirectory(dir);
  return written;
}

/** A short write (a full disk) must fail the snapshot, never leave it cut short. */
async function writeAll(handle: fs.FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('no space left for the snapshot'), { code: 'ENOSPC' });
    offset += bytesWritten;
  }
}

export interface LoadedSnapshot {
  readonly lsn: number;
  readonly collections: CollectionImage[];
}

/** Reads the snapshot if there is one; any damage stops the start (it was fsynced whole). */
export async function readSnapshot(dir: string): Promise<LoadedSnapshot | undefined> {
  const file = path.join(dir, SNAPSHOT_FILE);
  await fs.rm(`${file}.tmp`, { force: true });
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const frames = frameReader(handle, file);
    const header = deserialize(await frames.next(), { promoteLongs: false });
    if (header.format !== 1) throw new StoreCorruptError(file, 0, `unknown snapshot format ${String(header.format)}`);
    const collections: CollectionImage[] = [];
    for (;;) {
      const entry = deserialize(await frames.next());
      if (entry.end === true) break;
      // Kept as bytes: indexes read their fields from them, queries decode what they touch.
      const documents: Buffer[] = [];
      for (let index = 0; index < Number(entry.count); index += 1) {
        const next = frames.next();
        documents.push(Buffer.isBuffer(next) ? next : await next);
      }
      collections.push({ db: String(entry.db), name: String(entry.c), indexes: entry.indexes as IndexSpec[], documents });
    }
    return { lsn: Number((header.lsn as Long).toString()), collections };
  } finally {
    await handle.close();
  }
}

/**
 * Streams frames out of a file in 16 MiB reads. `next()` is synchronous while the current
 * read still holds a whole frame (hundreds of thousands of documents: no await each).
 */
function frameReader(handle: fs.FileHandle, file: string): { next(): Buffer | Promise<Buffer> } {
  let buffer = Buffer.alloc(0);
  let bufferStart = 0;
  let position = 0;
  let eof = false;
  const fill = async (needed: number): Promise<void> => {
    while (!eof && buffer.length - position < needed) {
      // The unread rest moves to the front of a new buffer; the file is read straight after it.
      const rest = buffer.length - position;
      const next = Buffer.allocUnsafe(rest + Math.max(READ_CHUNK_BYTES, needed));
      buffer.copy(next, 0, position);
      const { bytesRead } = await handle.read(next, rest, next.length - rest, bufferStart + buffer.length);
      if (bytesRead === 0) eof = true;
      bufferStart += position;
      buffer = next.subarray(0, rest + bytesRead);
      position = 0;
    }
  };
  const take = (): Buffer => {
    const read = readFrame(buffer, position, MAGIC);
    if (read.kind !== 'frame')
      throw new StoreCorruptError(file, bufferStart + position, read.kind === 'end' ? 'snapshot ends early' : read.reason);
    position = read.next;
    return read.payload;
  };
  const whole = (): boolean =>
    buffer.length - position >= FRAME_HEADER_BYTES && buffer.length - position >= FRAME_HEADER_BYTES + buffer.readUInt32LE(position + 4);
  return {
    next(): Buffer | Promise<Buffer> {
      if (whole()) return take();
      return (async () => {
        await fill(FRAME_HEADER_BYTES);
        if (buffer.length - position >= FRAME_HEADER_BYTES)
          await fill(FRAME_HEADER_BYTES + Math.min(buffer.readUInt32LE(position + 4), 1 << 30));
        return take();
      })();
    },
  };
}
