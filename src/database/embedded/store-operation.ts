import { calculateObjectSize, deserialize, serialize, serializeWithBufferAndIndex, type Document } from 'bson';
import { rawElementBytes, rawValueAtPath } from './raw-bson';
import type { IndexSpec } from './sorted-index';

/**
 * One change to the stored state, as the journal keeps it: whole documents after the change
 * (not the update command), so replaying is exact and needs no query engine.
 */
export type StoreOperation =
  /** `d` is BSON bytes when replayed from the journal (decoded only when a query reads it). */
  | { readonly t: 'put'; readonly db: string; readonly c: string; readonly d: Document | Buffer }
  | { readonly t: 'del'; readonly db: string; readonly c: string; readonly id: unknown }
  | { readonly t: 'createIndex'; readonly db: string; readonly c: string; readonly spec: IndexSpec }
  | { readonly t: 'dropIndex'; readonly db: string; readonly c: string; readonly name: string }
  | { readonly t: 'createCollection'; readonly db: string; readonly c: string }
  | { readonly t: 'dropCollection'; readonly db: string; readonly c: string }
  | { readonly t: 'dropDatabase'; readonly db: string }
  | { readonly t: 'renameCollection'; readonly db: string; readonly c: string; readonly to: string };

// int64 values come back as Long (not promoted to number) so every BSON type round-trips.
const DESERIALIZE = { promoteLongs: false } as const;

export interface JournalRecord {
  readonly lsn: number;
  /** LSN of the first record of the write (group commit) this record went out in. */
  readonly batch: number;
  readonly operations: StoreOperation[];
}

/** Journal record payload: LSN and batch (uint64 LE each), operation count (uint32 LE), one BSON document each. */
export function encodeRecord(lsn: number, batch: number, operations: readonly StoreOperation[]): Buffer {
  const head = Buffer.allocUnsafe(20);
  head.writeBigUInt64LE(BigInt(lsn), 0);
  head.writeBigUInt64LE(BigInt(batch), 8);
  head.writeUInt32LE(operations.length, 16);
  return Buffer.concat([head, ...operations.map(operationBytes)]);
}

/** A put whose document is already BSON embeds those bytes as they are: the document is not encoded twice. */
function operationBytes(operation: StoreOperation): Buffer {
  if (operation.t !== 'put' || !Buffer.isBuffer(operation.d)) return bsonBytes(operation as Document);
  const fields = bsonBytes({ t: operation.t, db: operation.db, c: operation.c });
  // int32 length, the fields' elements, then element 0x03 (embedded document) named "d", and the closing 0x00.
  const elements = fields.subarray(4, fields.length - 1);
  const length = 4 + elements.length + 3 + operation.d.length + 1;
  const bytes = Buffer.allocUnsafe(length);
  bytes.writeInt32LE(length, 0);
  elements.copy(bytes, 4);
  let offset = 4 + elements.length;
  bytes[offset++] = 0x03;
  bytes[offset++] = 0x64; // "d"
  bytes[offset++] = 0x00;
  operation.d.copy(bytes, offset);
  bytes[length - 1] = 0x00;
  return bytes;
}

export function decodeRecord(payload: Buffer): JournalRecord {
  const lsn = Number(payload.readBigUInt64LE(0));
  const batch = Number(payload.readBigUInt64LE(8));
  const count = payload.readUInt32LE(16);
  const operations: StoreOperation[] = [];
  let offset = 20;
  for (let index = 0; index < count; index += 1) {
    const size = payload.readInt32LE(offset);
    const bytes = payload.subarray(offset, offset + size);
    const put = rawElementBytes(bytes, 'd');
    if (put && rawValueAtPath(bytes, 't').value === 'put') {
      operations.push({ t: 'put', db: String(rawValueAtPath(bytes, 'db').value), c: String(rawValueAtPath(bytes, 'c').value), d: put });
    } else {
      operations.push(deserialize(bytes, DESERIALIZE) as StoreOperation);
    }
    offset += size;
  }
  if (offset !== payload.length) throw new Error('journal record has trailing bytes');
  return { lsn, batch, operations };
}

/** bson returns Uint8Array; Node's file APIs want Buffer (same memory, no copy). */
export function bsonBytes(document: Document): Buffer {
  const bytes = serialize(document);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A document as the store keeps it: its BSON in a buffer of its own, exactly its size. Not a slice of
 * Node's shared 8 KB pool, which a long-lived document would keep whole, with whatever short-lived
 * bytes (replies, journal records) shared it.
 */
export function storedBytes(document: Document): Buffer {
  const bytes = Buffer.allocUnsafeSlow(calculateObjectSize(document));
  serializeWithBufferAndIndex(document, bytes);
  return bytes;
}

export function deserializeDocument(bytes: Buffer): Document {
  return deserialize(bytes, DESERIALIZE);
}
