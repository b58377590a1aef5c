import { idKeyOf } from './bson-values';
import type { StoreOperation } from './store-operation';
import { StoredCollection } from './stored-collection';

export type Databases = Map<string, Map<string, StoredCollection>>;

/** The collection, created (in memory) if it is not there yet. */
export function collectionIn(databases: Databases, db: string, name: string): StoredCollection {
  let collections = databases.get(db);
  if (!collections) {
    collections = new Map();
    databases.set(db, collections);
  }
  let collection = collections.get(name);
  if (!collection) {
    collection = new StoredCollection(name);
    collections.set(name, collection);
  }
  return collection;
}

/**
 * Applies one operation to the in-memory state, the same way live and when the journal is
 * replayed, and returns how to take it back (a journal write that failed is undone).
 */
export function applyOperation(databases: Databases, operation: StoreOperation): () => void {
  switch (operation.t) {
    case 'put': {
      const collection = collectionIn(databases, operation.db, operation.c);
      const { idKey, previous } = collection.put(operation.d);
      return () => (previous ? collection.put(previous) : collection.remove(idKey));
    }
    case 'del': {
      const collection = databases.get(operation.db)?.get(operation.c);
      const previous = collection?.remove(idKeyOf(operation.id));
      return () => void (previous && collection?.put(previous));
    }
    case 'createCollection': {
      const existed = !!databases.get(operation.db)?.get(operation.c);
      collectionIn(databases, operation.db, operation.c);
      return () => void (!existed && databases.get(operation.db)?.delete(operation.c));
    }
    case 'createIndex': {
      const collection = collectionIn(databases, operation.db, operation.c);
      collection.createIndex(operation.spec);
      return () => void collection.dropIndex(operation.spec.name);
    }
    case 'dropIndex': {
      const collection = databases.get(operation.db)?.get(operation.c);
      const spec = collection?.dropIndex(operation.name);
      return () => void (spec && collection?.createIndex(spec));
    }
    case 'dropCollection': {
      const collections = databases.get(operation.db);
      const previous = collections?.get(operation.c);
      collections?.delete(operation.c);
      return () => void (previous && collections?.set(operation.c, previous));
    }
    case 'dropDatabase': {
      const previous = databases.get(operation.db);
      databases.delete(operation.db);
      return () => void (previous && databases.set(operation.db, previous));
    }
    case 'renameCollection': {
      const collections = databases.get(operation.db);
      const source = collections?.get(operation.c);
      if (!collections || !source) return () => undefined;
      const renamed = new StoredCollection(operation.to);
      renamed.adopt(source);
      collections.delete(operation.c);
      collections.set(operation.to, renamed);
      return () => {
        collections.delete(operation.to);
        collections.set(operation.c, source);
      };
    }
  }
}
