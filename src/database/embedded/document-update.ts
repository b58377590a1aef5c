import { ObjectId, type Document } from 'bson';
import { Aggregator, update as applyModifier } from 'mingo';
import { cloneDocument, compareValues, isScalarKey } from './bson-values';
import { StoreCommandError } from './store-command.error';

export interface UpdateOutcome {
  readonly document: Document;
  readonly changed: boolean;
}

function isOperatorUpdate(update: Document): boolean {
  const keys = Object.keys(update);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/**
 * The document after an update: operators (`$set`, `$inc`, `$push`, positional `$`,
 * `arrayFilters`… through mingo's updater), a replacement, or a pipeline. The stored
 * document is never touched: the update works on a copy that keeps every BSON type.
 */
export function applyUpdate(
  stored: Document,
  update: Document | Document[],
  options: { arrayFilters?: Document[]; filter?: Document; inserting?: boolean } = {},
): UpdateOutcome {
  let next: Document;
  if (Array.isArray(update)) {
    const [result] = new Aggregator(update).run([cloneDocument(stored)]) as Document[];
    next = { _id: stored._id, ...(result ?? {}) };
  } else if (isOperatorUpdate(update)) {
    const { $setOnInsert: onInsert, ...operators } = update;
    next = cloneDocument(stored);
    const modifier =
      options.inserting && onInsert
        ? { ...operators, $set: { ...(operators.$set as Document | undefined), ...(onInsert as Document) } }
        : operators;
    let changedFields: string[] = [];
    if (Object.keys(modifier).length > 0) {
      try {
        changedFields = applyModifier(next, modifier, options.arrayFilters, options.filter, { cloneMode: 'none' });
      } catch (error) {
        throw new StoreCommandError(9, 'FailedToParse', `bad update: ${(error as Error).message}`);
      }
    }
    assertSameId(stored, next);
    return { document: next, changed: changedFields.length > 0 || !!options.inserting };
  } else {
    if (Object.keys(update).some((key) => key.startsWith('$')))
      throw new StoreCommandError(9, 'FailedToParse', 'an update mixes operators and fields');
    const { _id: replacementId, ...fields } = update;
    next = { _id: replacementId ?? stored._id, ...fields };
  }
  assertSameId(stored, next);
  return { document: next, changed: true };
}

function assertSameId(before: Document, after: Document): void {
  if (before._id !== undefined && compareValues(before._id, after._id) !== 0) {
    throw new StoreCommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
}

/** The document an upsert starts from: the filter's equality fields (dotted paths expanded). */
export function upsertSeed(filter: Document | undefined): Document {
  const seed: Document = {};
  const take = (part: Document): void => {
    for (const [path, condition] of Object.entries(part)) {
      if (path === '$and' && Array.isArray(condition)) {
        for (const sub of condition) take(sub as Document);
        continue;
      }
      if (path.startsWith('$')) continue;
      const operators = condition && typeof condition === 'object' && !Array.isArray(condition) ? Object.keys(condition as Document) : [];
      if (operators.length > 0 && operators.every((key) => key.startsWith('$'))) {
        if ('$eq' in (condition as Document)) setPath(seed, path, (condition as Document).$eq);
        continue;
      }
      if (isScalarKey(condition) || (condition && typeof condition === 'object')) setPath(seed, path, condition);
    }
  };
  if (filter) take(filter);
  if (seed._id === undefined) return { _id: new ObjectId(), ...seed };
  return seed;
}

function setPath(target: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) {
    if (!current[part] || typeof current[part] !== 'object') current[part] = {};
    current = current[part] as Document;
  }
  current[parts[parts.length - 1] as string] = cloneDocument(value);
}
