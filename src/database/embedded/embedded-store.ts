import fs from 'node:fs/promises';
import path from 'node:path';
import type { Document } from 'bson';
import { ensureDurableDirectory } from '../../common/file-sync';
import { idKeyOf } from './bson-values';
import { Journal } from './journal';
import { journalSegments, replayJournal } from './journal-replay';
import { readSnapshot, writeSnapshot, type CollectionImage } from './snapshot-file';
import { SortedIndex, type IndexSpec } from './sorted-index';
import { StoreCommandError } from './store-command.error';
import { rawValueAtPath } from './raw-bson';
import { acquireStoreLock, type StoreLock } from './store-lock';
import { storedBytes, type StoreOperation } from './store-operation';
import { applyOperation, collectionIn } from './store-operation.apply';
import { type StoredCollection } from './stored-collection';

export interface StoreOptions {
  /** Journal bytes after which the state is compacted into a new snapshot. */
  readonly compactBytes?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  /** Benchmarks only: false skips fsync (what durability costs); never in the engine. */
  readonly journalSync?: boolean;
}

export interface OpenStats {
  readonly snapshotLsn: number;
  readonly lastLsn: number;
  readonly documents: number;
  readonly journalBytes: number;
  readonly tornBytes: number;
  readonly ms: number;
}

const DEFAULT_COMPACT_BYTES = 64 << 20;

/**
 * The embedded database's state: collections in memory, every change journaled (BSON,
 * checksummed, fsynced before anyone is answered) and compacted into a snapshot now and
 * then. Changes are synchronous and collected per command; `commit()` journals them as one
 * record, and `durable()` is what a reply waits for.
 */
export class EmbeddedStore {
  private readonly databases = new Map<string, Map<string, StoredCollection>>();
  private operations: StoreOperation[] = [];
  private undos: Array<() => void> = [];
  private journal!: Journal;
  private compacting: Promise<void> | undefined;
  private compactionRequested = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly lock: StoreLock,
    private readonly options: StoreOptions,
  ) {}

  static async open(dir: string, options: StoreOptions = {}): Promise<{ store: EmbeddedStore; stats: OpenStats }> {
    const started = Date.now();
    // Made durably: the whole database lives under this one entry of the data directory.
    await ensureDurableDirectory(dir);
    const lock = await acquireStoreLock(dir);
    try {
      const store = new EmbeddedStore(dir, lock, options);
      const snapshot = await readSnapshot(dir);
      for (const image of snapshot?.collections ?? []) store.loadImage(image);
      const snapshotLsn = snapshot?.lsn ?? 0;
      const replay = await replayJournal(dir, snapshotLsn, (operations) => {
        for (const operation of operations) store.apply(operation);
      });
      if (replay.tornBytes > 0)
        options.log?.('warn', 'embedded database: cut a journal write torn by a crash (never acknowledged)', { bytes: replay.tornBytes });
      store.journal = new Journal(dir, replay.lastLsn, options.journalSync ?? true);
      const stats = {
        snapshotLsn,
        lastLsn: replay.lastLsn,
        documents: store.documentCount(),
        journalBytes: replay.bytes,
        tornBytes: replay.tornBytes,
        ms: Date.now() - started,
      };
      if (replay.bytes > (options.compactBytes ?? DEFAULT_COMPACT_BYTES) || replay.segments.length > 8) store.startCompaction();
      return { store, stats };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  // ---- reads ---------------------------------------------------------------------------

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  collectionNames(db: string): string[] {
    return [...(this.databases.get(db)?.keys() ?? [])];
  }

  collection(db: string, name: string): StoredCollection | undefined {
    return this.databases.get(db)?.get(name);
  }

  documentCount(): number {
    let count = 0;
    for (const collections of this.databases.values()) for (const collection of collections.values()) count += collection.size;
    return count;
  }

  // ---- changes (synchronous; journaled by commit) ---------------------------------------

  insert(db: string, name: string, document: Document): void {
    const collection = this.ensureCollection(db, name);
    if (collection.has(idKeyOf(document._id))) {
      throw new StoreCommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${db}.${name} index: _id_`, {
        keyPattern: { _id: 1 },
        keyValue: { _id: document._id },
      });
    }
    this.record({ t: 'put', db, c: name, d: storedBytes(document) });
  }

  replace(db: string, name: string, document: Document): void {
    this.ensureCollection(db, name);
    this.record({ t: 'put', db, c: name, d: storedBytes(document) });
  }

  remove(db: string, name: string, id: unknown): void {
    this.record({ t: 'del', db, c: name, id });
  }

  ensureCollection(db: string, name: string): StoredCollection {
    const existing = this.collection(db, name);
    if (existing) return existing;
    this.record({ t: 'createCollection', db, c: name });
    return this.collection(db, name) as StoredCollection;
  }

  createIndex(db: string, name: string, spec: IndexSpec): boolean {
    const collection = this.ensureCollection(db, name);
    if (collection.indexes.has(spec.name)) return collection.createIndex(spec);
    this.record({ t: 'createIndex', db, c: name, spec });
    return true;
  }

  dropIndex(db: string, name: string, index: string): boolean {
    if (!this.collection(db, name)?.indexes.has(index)) return false;
    this.record({ t: 'dropIndex', db, c: name, name: index });
    return true;
  }

  dropCollection(db: string, name: string): boolean {
    if (!this.collection(db, name)) return false;
    this.record({ t: 'dropCollection', db, c: name });
    return true;
  }

  dropDatabase(db: string): boolean {
    if (!this.databases.has(db)) return false;
    this.record({ t: 'dropDatabase', db });
    return true;
  }

  renameCollection(db: string, name: string, to: string): void {
    if (!this.collection(db, name)) throw new StoreCommandError(26, 'NamespaceNotFound', `source namespace ${db}.${name} does not exist`);
    if (this.collection(db, to)) throw new StoreCommandError(48, 'NamespaceExists', `target namespace ${db}.${to} exists`);
    this.record({ t: 'renameCollection', db, c: name, to });
  }

  /** Journals the changes made since the last commit as one record. */
  commit(): void {
    if (this.operations.length === 0) return;
    const undos = this.undos;
    this.journal.append(this.operations, () => {
      for (const undo of [...undos].reverse()) undo();
    });
    this.operations = [];
    this.undos = [];
    if (!this.compacting && this.journal.segmentBytes > (this.options.compactBytes ?? DEFAULT_COMPACT_BYTES)) this.startCompaction();
  }

  /** Resolves once everything anyone may have seen is on disk (and a requested compaction is done). */
  async durable(): Promise<void> {
    await this.journal.waitDurable();
    if (this.compactionRequested) {
      this.compactionRequested = false;
      await this.compact();
    }
  }

  /** Asks for a snapshot once the current command's reply is due (the `compact` command). */
  requestCompaction(): void {
    this.compactionRequested = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.commit();
    await this.compacting;
    await this.journal.close();
    await this.lock.release();
  }

  /** Writes a snapshot now and drops the journal segments it covers. */
  compact(): Promise<void> {
    this.startCompaction();
    return this.compacting ?? Promise.resolve();
  }

  // ---- internals ------------------------------------------------------------------------

  private record(operation: StoreOperation): void {
    const undo = this.apply(operation);
    this.operations.push(operation);
    this.undos.push(undo);
  }

  /** Applies one operation (live or replayed) and returns how to take it back. */
  private apply(operation: StoreOperation): () => void {
    return applyOperation(this.databases, operation);
  }

  private createCollectionNow(db: string, name: string): StoredCollection {
    return collectionIn(this.databases, db, name);
  }

  private loadImage(image: CollectionImage): void {
    const collection = this.createCollectionNow(image.db, image.name);
    for (const stored of image.documents) {
      const id = Buffer.isBuffer(stored) ? rawValueAtPath(stored, '_id').value : stored._id;
      collection.load(idKeyOf(id), stored);
    }
    for (const spec of image.indexes) if (!collection.indexes.has(spec.name)) collection.indexes.set(spec.name, new SortedIndex(spec));
    collection.rebuildIndexes();
  }

  private startCompaction(): void {
    if (this.compacting || this.closed) return;
    this.compacting = this.compactNow()
      .catch((error: Error) =>
        this.options.log?.('error', 'embedded database: compaction failed (the journal keeps everything)', { err: error.message }),
      )
      .finally(() => (this.compacting = undefined));
  }

  private async compactNow(): Promise<void> {
    const started = Date.now();
    // The images hold references: documents are replaced, never changed, so this is the
    // state as of `lsn` even while new commands run.
    const images: CollectionImage[] = [];
    for (const [db, collections] of this.databases) {
      for (const [name, collection] of collections)
        images.push({ db, name, indexes: collection.indexSpecs(), documents: collection.storedValues() });
    }
    const lsn = this.journal.rotate();
    await this.journal.waitDurable(lsn);
    const bytes = await writeSnapshot(this.dir, lsn, images);
    for (const name of await journalSegments(this.dir)) {
      const first = Number(/\d{16}/.exec(name)?.[0]);
      if (first <= lsn) await fs.rm(path.join(this.dir, name), { force: true });
    }
    this.options.log?.('info', 'embedded database compacted', { lsn, bytes, ms: Date.now() - started });
  }
}
