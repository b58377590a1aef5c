import type { Document } from 'bson';
import { compareValues, valueAtPath } from './bson-values';
import { rawValueAtPath } from './raw-bson';

export interface IndexSpec {
  readonly name: string;
  /** Fields in order, with 1 (ascending) or -1 (descending). */
  readonly key: Record<string, number>;
  readonly unique?: boolean;
  readonly sparse?: boolean;
}

export interface Entry {
  readonly key: readonly unknown[];
  readonly id: string;
}

const CHUNK = 512;

/**
 * One index: its entries (key tuple + document id) kept sorted in chunks of at most 2×512,
 * so an insert or removal moves a few hundred references, not the whole index. A document
 * whose indexed path crosses an array makes the index multikey: it still enforces nothing
 * wrong, but the planner no longer trusts it for bounds.
 */
export class SortedIndex {
  readonly fields: readonly string[];
  readonly directions: readonly number[];
  private chunks: Entry[][] = [];
  private multikeyDocuments = 0;
  private size = 0;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.directions = this.fields.map((field) => (Number(spec.key[field]) < 0 ? -1 : 1));
  }

  get multikey(): boolean {
    return this.multikeyDocuments > 0;
  }

  get count(): number {
    return this.size;
  }

  /** The key tuple of a document; undefined when a sparse index leaves it out. */
  keyOf(document: Document | Buffer): { key: unknown[]; multikey: boolean } | undefined {
    let multikey = false;
    let present = false;
    const key = this.fields.map((field) => {
      const { value, hitArray } = Buffer.isBuffer(document) ? rawValueAtPath(document, field) : valueAtPath(document, field);
      if (hitArray) multikey = true;
      if (value !== undefined) present = true;
      return value === undefined ? null : value;
    });
    if (this.spec.sparse && !present) return undefined;
    return { key, multikey };
  }

  compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
    for (let index = 0; index < this.fields.length; index += 1) {
      const byValue = compareValues(a[index], b[index]);
      if (byValue !== 0) return byValue * (this.directions[index] as number);
    }
    return 0;
  }

  private compareEntries(a: Entry, b: Entry): number {
    return this.compareKeys(a.key, b.key) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  add(document: Document | Buffer, id: string): void {
    const computed = this.keyOf(document);
    if (!computed) return;
    if (computed.multikey) this.multikeyDocuments += 1;
    this.insertEntry({ key: computed.key, id });
  }

  remove(document: Document | Buffer, id: string): void {
    const computed = this.keyOf(document);
    if (!computed) return;
    if (computed.multikey) this.multikeyDocuments -= 1;
    const target: Entry = { key: computed.key, id };
    const { chunk, position } = this.lowerBound((entry) => this.compareEntries(entry, target));
    const entries = this.chunks[chunk];
    if (!entries || position >= entries.length || this.compareEntries(entries[position] as Entry, target) !== 0) return;
    entries.splice(position, 1);
    this.size -= 1;
    if (entries.length === 0) this.chunks.splice(chunk, 1);
  }

  /** Ids whose key equals `key` exactly (unique checks). */
  idsWithKey(key: readonly unknown[]): string[] {
    const ids: string[] = [];
    for (const entry of this.scan(key, key)) ids.push(entry);
    return ids;
  }

  /** Ids with lower ≤ key ≤ upper in index order (reverse walks from upper down). */
  *scan(lower: readonly unknown[], upper: readonly unknown[], reverse = false): Generator<string> {
    if (!reverse) {
      let { chunk, position } = this.lowerBound((entry) => this.compareKeys(entry.key, lower));
      for (; chunk < this.chunks.length; chunk += 1, position = 0) {
        const entries = this.chunks[chunk] as Entry[];
        for (; position < entries.length; position += 1) {
          const entry = entries[position] as Entry;
          if (this.compareKeys(entry.key, upper) > 0) return;
          yield entry.id;
        }
      }
      return;
    }
    const after = this.lowerBound((entry) => (this.compareKeys(entry.key, upper) > 0 ? 1 : -1));
    let chunk = after.chunk;
    let position = after.position - 1;
    if (chunk >= this.chunks.length) {
      chunk = this.chunks.length - 1;
      position = (this.chunks[chunk]?.length ?? 0) - 1;
    }
    while (chunk >= 0) {
      if (position < 0) {
        chunk -= 1;
        position = (this.chunks[chunk]?.length ?? 0) - 1;
        continue;
      }
      const entry = (this.chunks[chunk] as Entry[])[position] as Entry;
      if (this.compareKeys(entry.key, lower) < 0) return;
      yield entry.id;
      position -= 1;
    }
  }

  /** How many entries have lower ≤ key ≤ upper, from two binary searches (no entry is visited). */
  countRange(lower: readonly unknown[], upper: readonly unknown[]): number {
    const start = this.lowerBound((entry) => this.compareKeys(entry.key, lower));
    const end = this.lowerBound((entry) => (this.compareKeys(entry.key, upper) > 0 ? 1 : -1));
    if (start.chunk > end.chunk || (start.chunk === end.chunk && start.position >= end.position)) return 0;
    if (start.chunk === end.chunk) return end.position - start.position;
    let count = (this.chunks[start.chunk]?.length ?? 0) - start.position + end.position;
    for (let chunk = start.chunk + 1; chunk < end.chunk; chunk += 1) count += this.chunks[chunk]?.length ?? 0;
    return count;
  }

  /** Rebuilds from scratch in one sort (start-up, index builds). */
  bulkLoad(documents: Iterable<[string, Document | Buffer]>): void {
    const entries: Entry[] = [];
    let multikey = 0;
    for (const [id, document] of documents) {
      const computed = this.keyOf(document);
      if (!computed) continue;
      if (computed.multikey) multikey += 1;
      entries.push({ key: computed.key, id });
    }
    this.loadEntries(entries, multikey);
  }

  /** Takes unsorted entries (their keys read elsewhere) and sorts them in once. */
  loadEntries(entries: Entry[], multikeyDocuments: number): void {
    this.multikeyDocuments = multikeyDocuments;
    entries.sort((a, b) => this.compareEntries(a, b));
    this.chunks = [];
    for (let start = 0; start < entries.length; start += CHUNK) this.chunks.push(entries.slice(start, start + CHUNK));
    this.size = entries.length;
  }

  private insertEntry(entry: Entry): void {
    this.size += 1;
    if (this.chunks.length === 0) {
      this.chunks.push([entry]);
      return;
    }
    let { chunk, position } = this.lowerBound((existing) => this.compareEntries(existing, entry));
    if (chunk >= this.chunks.length) {
      chunk = this.chunks.length - 1;
      position = (this.chunks[chunk] as Entry[]).length;
    }
    const entries = this.chunks[chunk] as Entry[];
    entries.splice(position, 0, entry);
    if (entries.length > 2 * CHUNK) this.chunks.splice(chunk, 1, entries.slice(0, CHUNK), entries.slice(CHUNK));
  }

  /**
   * The first position whose entry is not below the target (`compare(entry)` < 0 means the
   * entry sorts before it); past the end when every entry does.
   */
  private lowerBound(compare: (entry: Entry) => number): { chunk: number; position: number } {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const entries = this.chunks[middle] as Entry[];
      if (compare(entries[entries.length - 1] as Entry) < 0) low = middle + 1;
      else high = middle;
    }
    if (low >= this.chunks.length) return { chunk: this.chunks.length, position: 0 };
    const entries = this.chunks[low] as Entry[];
    let first = 0;
    let last = entries.length;
    while (first < last) {
      const middle = (first + last) >> 1;
      if (compare(entries[middle] as Entry) < 0) first = middle + 1;
      else last = middle;
    }
    return { chunk: low, position: first };
  }
}
