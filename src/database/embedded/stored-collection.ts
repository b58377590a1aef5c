import type { Document } from 'bson';
import { idKeyOf } from './bson-values';
import { StoreCommandError } from './store-command.error';
import { SortedIndex, type IndexSpec } from './sorted-index';

export const ID_INDEX: IndexSpec = { name: '_id_', key: { _id: 1 }, unique: true };

/**
 * One collection in memory: documents by `_id` (insertion order kept, as MongoDB's natural
 * order) and its indexes. Documents are never changed in place: a change replaces the object.
 */
export class StoredCollection {
  readonly documents = new Map<string, Document>();
  readonly indexes = new Map<string, SortedIndex>();

  constructor(readonly name: string) {
    this.indexes.set(ID_INDEX.name, new SortedIndex(ID_INDEX));
  }

  get(idKey: string): Document | undefined {
    return this.documents.get(idKey);
  }

  /** Adds or replaces the document with this `_id`, enforcing unique indexes first. */
  put(document: Document): { idKey: string; previous: Document | undefined } {
    const idKey = idKeyOf(document._id);
    const previous = this.documents.get(idKey);
    this.assertUnique(document, idKey);
    if (previous) for (const index of this.indexes.values()) index.remove(previous, idKey);
    for (const index of this.indexes.values()) index.add(document, idKey);
    this.documents.set(idKey, document);
    return { idKey, previous };
  }

  remove(idKey: string): Document | undefined {
    const previous = this.documents.get(idKey);
    if (!previous) return undefined;
    for (const index of this.indexes.values()) index.remove(previous, idKey);
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
    for (const index of this.indexes.values()) index.bulkLoad(this.documents.entries());
  }

  private assertUnique(document: Document, idKey: string): void {
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
