import { calculateObjectSize, Long, type Document } from 'bson';

const BATCH_BYTES = 8 << 20;
const IDLE_CURSOR_MS = 10 * 60_000;

interface OpenCursor {
  readonly namespace: string;
  readonly documents: Document[];
  position: number;
  touchedAt: number;
}

/** Server-side cursors: the rest of a result, handed out batch by batch with getMore. */
export class CursorRegistry {
  private readonly cursors = new Map<bigint, OpenCursor>();
  private nextId = 1n;

  /** The first batch, and a cursor id for the rest (0 when it all fitted). */
  open(namespace: string, documents: Document[], batchSize: number | undefined, singleBatch = false): Document {
    const cursor: OpenCursor = { namespace, documents, position: 0, touchedAt: Date.now() };
    const firstBatch = this.take(cursor, batchSize ?? 101);
    let id = 0n;
    if (!singleBatch && cursor.position < documents.length) {
      this.expireIdle();
      id = this.nextId;
      this.nextId += 1n;
      this.cursors.set(id, cursor);
    }
    return { id: Long.fromBigInt(id), ns: namespace, firstBatch };
  }

  next(id: bigint, namespace: string, batchSize: number | undefined): Document | undefined {
    const cursor = this.cursors.get(id);
    if (!cursor || cursor.namespace !== namespace) return undefined;
    cursor.touchedAt = Date.now();
    const nextBatch = this.take(cursor, batchSize ?? Number.MAX_SAFE_INTEGER);
    const done = cursor.position >= cursor.documents.length;
    if (done) this.cursors.delete(id);
    return { id: Long.fromBigInt(done ? 0n : id), ns: namespace, nextBatch };
  }

  kill(ids: readonly bigint[]): { killed: bigint[]; notFound: bigint[] } {
    const killed: bigint[] = [];
    const notFound: bigint[] = [];
    for (const id of ids) (this.cursors.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  /** Up to `batchSize` documents, at most ~8 MiB (always at least one). */
  private take(cursor: OpenCursor, batchSize: number): Document[] {
    const batch: Document[] = [];
    let bytes = 0;
    const limit = batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER;
    while (cursor.position < cursor.documents.length && batch.length < limit) {
      const document = cursor.documents[cursor.position] as Document;
      bytes += calculateObjectSize(document);
      if (batch.length > 0 && bytes > BATCH_BYTES) break;
      batch.push(document);
      cursor.position += 1;
    }
    return batch;
  }

  private expireIdle(): void {
    const cutoff = Date.now() - IDLE_CURSOR_MS;
    for (const [id, cursor] of this.cursors) if (cursor.touchedAt < cutoff) this.cursors.delete(id);
  }
}

export function cursorIdOf(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (value instanceof Long) return value.toBigInt();
  return BigInt(Number(value));
}
