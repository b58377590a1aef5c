import type { Document } from 'bson';

/** A decoded document not read for this long (up to twice it) is dropped; its bytes stay. */
export const DECODED_KEEP_MS = 30_000;

/**
 * The decoded form of the documents read lately, in two generations: what was read in this period,
 * and what was read in the one before. A read moves a document into the current generation; each
 * period the older one is dropped whole. So the queue a worker polls stays decoded, while the
 * instance records, reports and finished jobs of past days stay BSON bytes only (2-3 times smaller
 * than the objects, and outside the JavaScript heap a full collection walks).
 */
export class DecodedDocuments {
  private current = new Map<string, Document>();
  private previous = new Map<string, Document>();
  private rotatedAt: number;

  constructor(
    private readonly keepMs = DECODED_KEEP_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.rotatedAt = now();
  }

  get(idKey: string, decode: () => Document): Document {
    this.rotateIfDue();
    const cached = this.current.get(idKey);
    if (cached) return cached;
    const older = this.previous.get(idKey);
    if (older) this.previous.delete(idKey);
    const document = older ?? decode();
    this.current.set(idKey, document);
    return document;
  }

  forget(idKey: string): void {
    this.current.delete(idKey);
    this.previous.delete(idKey);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private rotateIfDue(): void {
    const now = this.now();
    if (now - this.rotatedAt < this.keepMs) return;
    // Idle longer than two periods: nothing read since is kept.
    this.previous = now - this.rotatedAt < 2 * this.keepMs ? this.current : new Map();
    this.current = new Map();
    this.rotatedAt = now;
  }
}
