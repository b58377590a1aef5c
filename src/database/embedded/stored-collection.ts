import type { Document } from 'bson';
import { idKeyOf, valueAtPath } from './bson-values';
import { DecodedDocuments } from './decoded-documents';
import { deserializeRaw, rawValueAtPath, rawValuesInto } from './raw-bson';
import { StoreCommandError } from './store-command.error';
import { SortedIndex, type Entry, type IndexSpec } from './sorted-index';

export const ID_INDEX: IndexSpec = { name: '_id_', key: { _id: 1 }, unique: true };

/** A stored document: its BSON bytes (as written, journaled and snapshotted), or an object. */
export type StoredDocument = Document | Buffer;

/**
 * One collection in memory: documents by `_id` (insertion order kept, as MongoDB's natural
 * order) and its indexes. Documents are kept as BSON bytes; a read decodes one, and the decoded
 * form stays only while it is read often (DecodedDocuments). Start-up decodes only the indexed
 * fields. A document is never changed in place: a change replaces it, so snapshots and rollbacks
 * can keep references, and a decoded document handed out is never changed by the collection.
 */
export class StoredCollection {
  private documents = new Map<string, StoredDocument>();
  private decoded = new DecodedDocuments();
  indexes = new Map<string, SortedIndex>();

  constructor(readonly name: string) {
    this.indexes.set(ID_INDEX.name, new SortedIndex(ID_INDEX));
  }

  get size(): number {
    return this.documents.size;
  }

  has(idKey: string): boolean {
    return this.documents.has(idKey);
  }

  get(idKey: string): Document | undefined {
    const stored = this.documents.get(idKey);
    return Buffer.isBuffer(stored) ? this.decoded.get(idKey, () => deserializeRaw(stored)) : stored;
  }

  /** The document as stored: its BSON bytes, or an object where one was put. */
  getStored(idKey: string): StoredDocument | undefined {
    return this.documents.get(idKey);
  }

  keys(): string[] {
    return [...this.documents.keys()];
  }

  *entries(): Generator<[string, Document]> {
    for (const idKey of [...this.documents.keys()]) {
      const document = this.get(idKey);
      if (document) yield [idKey, document];
    }
  }

  *values(): Generator<Document> {
    for (const idKey of [...this.documents.keys()]) {
      const document = this.get(idKey);
      if (document) yield document;
    }
  }

  /** Documents as stored, for snapshots. */
  storedValues(): StoredDocument[] {
    return [...this.documents.values()];
  }

  /** Takes the documents of a snapshot as they are (the caller rebuilds the indexes). */
  load(idKey: string, stored: StoredDocument): void {
    this.decoded.forget(idKey);
    this.documents.set(idKey, stored);
  }

  /** Another collection's documents and indexes under this name (renameCollection). */
  adopt(other: StoredCollection): void {
    this.documents = other.documents;
    this.decoded = other.decoded;
    this.indexes = other.indexes;
  }

  /**
   * Adds or replaces the document with this `_id`, enforcing unique indexes first. Neither
   * side is decoded when it is still BSON (journal replay replaces documents of a snapshot).
   */
  put(document: StoredDocument): { idKey: string; previous: StoredDocument | undefined } {
    const idKey = idKeyOf(Buffer.isBuffer(document) ? rawValueAtPath(document, '_id').value : document._id);
    const previous = this.documents.get(idKey);
    this.assertUnique(document, idKey);
    if (previous) for (const index of this.indexes.values()) index.remove(previous, idKey);
    for (const index of this.indexes.values()) index.add(document, idKey);
    this.decoded.forget(idKey);
    this.documents.set(idKey, document);
    return { idKey, previous };
  }

  remove(idKey: string): StoredDocument | undefined {
    const previous = this.documents.get(idKey);
    if (!previous) return undefined;
    for (const index of this.indexes.values()) index.remove(previous, idKey);
    this.decoded.forget(idKey);
    this.documents.delete(idKey);
    return previous;
  }

  /** Builds an index over the current documents; a unique one refuses existing duplicates. */
  createIndex(spec: IndexSpec): boolean {
    const existing = this.indexes.get(spec.name);
    if (existing) {
      if (JSON.stringify(existing.spec.key) !== JSON.stringify(spec.key) || !!existing.spec.unique !== !!spec.unique) {
        throw new StoreCommandError(86, 'IndexKeySpecsConflict', `an index named ${spec.name} exists with different options`);
      }
      return false;
    }
    for (const other of this.indexes.values()) {
      if (JSON.stringify(other.spec.key) === JSON.stringify(spec.key)) {
        throw new StoreCommandError(85, 'IndexOptionsConflict', `index ${other.spec.name} already has the key of ${spec.name}`);
      }
    }
    const index = new SortedIndex(spec);
    index.bulkLoad(this.documents.entries());
    if (spec.unique) this.assertNoDuplicates(index);
    this.indexes.set(spec.name, index);
    return true;
  }

  dropIndex(name: string): IndexSpec | undefined {
    if (name === ID_INDEX.name) throw new StoreCommandError(72, 'InvalidOptions', 'cannot drop _id index');
    const index = this.indexes.get(name);
    this.indexes.delete(name);
    return index?.spec;
  }

  indexSpecs(): IndexSpec[] {
    return [...this.indexes.values()].map((index) => index.spec);
  }

  /** Rebuilds every index in one sort each (after loading a snapshot). */
  rebuildIndexes(): void {
    // One walk per document reads the fields of every index (documents are mostly BSON here).
    const indexes = [...this.indexes.values()];
    const paths = [...new Set(indexes.flatMap((index) => index.fields))];
    const positions = indexes.map((index) => index.fields.map((field) => paths.indexOf(field)));
    const entries = indexes.map((): Entry[] => []);
    const multikey = indexes.map(() => 0);
    const values: unknown[] = new Array(paths.length);
    const arrays: boolean[] = new Array(paths.length);
    for (const [idKey, stored] of this.documents) {
      if (Buffer.isBuffer(stored)) rawValuesInto(stored, paths, values, arrays);
      else paths.forEach((path, position) => ({ value: values[position], hitArray: arrays[position] } = valueAtPath(stored, path)));
      for (let which = 0; which < indexes.length; which += 1) {
        const fields = positions[which] as number[];
        if ((indexes[which] as SortedIndex).spec.sparse && fields.every((position) => values[position] === undefined)) continue;
        const key: unknown[] = new Array(fields.length);
        let crossesArray = false;
        for (let field = 0; field < fields.length; field += 1) {
          key[field] = values[fields[field] as number] ?? null;
          if (arrays[fields[field] as number]) crossesArray = true;
        }
        if (crossesArray) multikey[which] = (multikey[which] as number) + 1;
        (entries[which] as Entry[]).push({ key, id: idKey });
      }
    }
    indexes.forEach((index, which) => index.loadEntries(entries[which] as Entry[], multikey[which] as number));
  }

  private assertUnique(document: StoredDocument, idKey: string): void {
    for (const index of this.indexes.values()) {
      if (!index.spec.unique || index.spec.name === ID_INDEX.name) continue;
      const computed = index.keyOf(document);
      if (!computed) continue;
      const clash = index.idsWithKey(computed.key).find((other) => other !== idKey);
      if (clash !== undefined) throw duplicateKey(this.name, index, computed.key);
    }
  }

  private assertNoDuplicates(index: SortedIndex): void {
    for (const [idKey, document] of this.documents) {
      const computed = index.keyOf(document);
      if (!computed) continue;
      const clash = index.idsWithKey(computed.key).find((other) => other !== idKey);
      if (clash !== undefined) throw duplicateKey(this.name, index, computed.key);
    }
  }
}

export function duplicateKey(collection: string, index: SortedIndex, key: readonly unknown[]): StoreCommandError {
  const keyValue: Record<string, unknown> = {};
  index.fields.forEach((field, position) => (keyValue[field] = key[position]));
  return new StoreCommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${collection} index: ${index.spec.name}`, {
    keyPattern: index.spec.key,
    keyValue,
  });
}
