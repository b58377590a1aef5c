import type { Document } from 'bson';
import { Query } from 'mingo';
import { compareValues, valueAtPath } from './bson-values';
import { planQuery, type QueryPlan, type SortSpec } from './query-planner';
import { rawValuesInto } from './raw-bson';
import { StoreCommandError } from './store-command.error';
import type { StoredCollection } from './stored-collection';

export interface FindOptions {
  readonly sort?: SortSpec;
  readonly skip?: number;
  /** 0 or absent: no limit. */
  readonly limit?: number;
}

export function normalizeSort(sort: unknown): SortSpec | undefined {
  if (sort === undefined || sort === null) return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(sort) ? (sort as Array<[string, unknown]>) : Object.entries(sort as Document);
  if (entries.length === 0) return undefined;
  return entries.map(([field, direction]) => {
    const numeric = typeof direction === 'number' ? direction : Number((direction as { valueOf(): unknown }).valueOf());
    if (numeric !== 1 && numeric !== -1) throw new StoreCommandError(2, 'BadValue', `unsupported sort direction for ${field}`);
    return [field, numeric as 1 | -1] as const;
  });
}

export function sortDocuments(documents: Document[], sort: SortSpec): Document[] {
  return documents.sort((a, b) => {
    for (const [field, direction] of sort) {
      const byField = compareValues(valueAtPath(a, field).value ?? null, valueAtPath(b, field).value ?? null);
      if (byField !== 0) return byField * direction;
    }
    return 0;
  });
}

export function matcherOf(filter: Document | undefined): (document: Document) => boolean {
  if (!filter || Object.keys(filter).length === 0) return () => true;
  let query: Query;
  try {
    query = new Query(filter);
  } catch (error) {
    throw new StoreCommandError(2, 'BadValue', `bad query: ${(error as Error).message}`);
  }
  return (document) => query.test(document);
}

function* documentsOf(collection: StoredCollection, plan: QueryPlan): Generator<Document> {
  if (!plan.ids) {
    yield* collection.values();
    return;
  }
  for (const id of plan.ids) {
    const document = collection.get(id);
    if (document) yield document;
  }
}

/**
 * The documents a filter matches, sorted, skipped and limited. An index decides where to
 * look; every candidate is still tested against the whole filter.
 */
export function findDocuments(
  collection: StoredCollection | undefined,
  filter: Document | undefined,
  options: FindOptions = {},
): Document[] {
  if (!collection) return [];
  const plan = planQuery(collection, filter ?? {}, options.sort);
  const matches = plan.exact ? () => true : matcherOf(filter);
  const skip = Math.max(0, options.skip ?? 0);
  const limit = options.limit && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
  if (!options.sort || plan.ordered) {
    const found: Document[] = [];
    let skipped = 0;
    for (const document of documentsOf(collection, plan)) {
      if (!matches(document)) continue;
      if (skipped < skip) {
        skipped += 1;
        continue;
      }
      found.push(document);
      if (found.length >= limit) break;
    }
    return found;
  }
  const all: Document[] = [];
  for (const document of documentsOf(collection, plan)) if (matches(document)) all.push(document);
  sortDocuments(all, options.sort);
  return all.slice(skip, skip + limit);
}

export function countDocuments(collection: StoredCollection | undefined, filter: Document | undefined, skip = 0, limit = 0): number {
  if (!collection) return 0;
  const cap = (n: number): number => Math.max(0, Math.min(n - skip, limit > 0 ? limit : Number.POSITIVE_INFINITY));
  if (!filter || Object.keys(filter).length === 0) return cap(collection.size);
  const plan = planQuery(collection, filter);
  // Counted in the index: no document is read.
  if (plan.exact && plan.count) return cap(plan.count());
  if (plan.exact && plan.ids) return cap([...plan.ids].length);
  return findDocuments(collection, filter, { skip, limit }).length;
}

/** Top-level fields an inclusion projection keeps, or undefined for any other projection. */
export function inclusionFields(projection: Document | undefined): string[] | undefined {
  if (!projection) return undefined;
  const entries = Object.entries(projection);
  if (entries.length === 0) return undefined;
  const fields: string[] = [];
  for (const [field, value] of entries) {
    const included = value === 1 || value === true;
    if (field === '_id' && !included) continue;
    if (!included || field.includes('.') || field.startsWith('$')) return undefined;
    fields.push(field);
  }
  return fields.length > 0 ? fields : undefined;
}

/**
 * A projection of a few top-level fields over documents the index already selected exactly
 * (or all of them): read straight from the BSON of documents no query has decoded yet (the
 * start-up reconciliation reads one field of every instance record).
 */
export function findProjectedFields(
  collection: StoredCollection | undefined,
  filter: Document | undefined,
  fields: readonly string[],
  withId: boolean,
  limit = 0,
): Document[] | undefined {
  if (!collection) return [];
  const plan = planQuery(collection, filter ?? {});
  if (!plan.exact) return undefined;
  const paths = withId ? ['_id', ...fields] : [...fields];
  const values: unknown[] = new Array(paths.length);
  const arrays: boolean[] = new Array(paths.length);
  const results: Document[] = [];
  for (const id of plan.ids ?? collection.keys()) {
    const stored = collection.getStored(id);
    if (!stored) continue;
    const projected: Document = {};
    if (Buffer.isBuffer(stored)) {
      rawValuesInto(stored, paths, values, arrays);
      paths.forEach((path, position) => {
        if (values[position] !== undefined) projected[path] = values[position];
      });
    } else {
      for (const path of paths) if (stored[path] !== undefined) projected[path] = stored[path];
    }
    results.push(projected);
    if (limit > 0 && results.length >= limit) break;
  }
  return results;
}

/** How a query would run, for `explain`. */
export function explainQuery(collection: StoredCollection | undefined, filter: Document | undefined, sort?: SortSpec): Document {
  const plan = collection ? planQuery(collection, filter ?? {}, sort) : undefined;
  const stage = plan?.index ? 'IXSCAN' : 'COLLSCAN';
  return {
    stage: plan?.index ? 'FETCH' : 'COLLSCAN',
    inputStage: { stage, indexName: plan?.index },
    sortedByIndex: plan?.ordered ?? false,
  };
}
