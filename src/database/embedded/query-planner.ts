import type { Document } from 'bson';
import { idKeyOf, isScalarKey, MAX_KEY, MIN_KEY } from './bson-values';
import type { SortedIndex } from './sorted-index';
import type { StoredCollection } from './stored-collection';

export type SortSpec = ReadonlyArray<readonly [string, 1 | -1]>;

/** Where a query's documents come from: some ids (in the sort order when `ordered`), or all. */
export interface QueryPlan {
  readonly ids: Iterable<string> | undefined;
  readonly ordered: boolean;
  readonly index: string | undefined;
  /** The ids are exactly the matches (pure equality on index fields): no document needs testing. */
  readonly exact: boolean;
  /** For an exact index plan: the number of matches, counted in the index. */
  readonly count?: () => number;
}

interface FieldConstraint {
  points?: unknown[];
  low?: unknown;
  high?: unknown;
}

interface IndexBounds {
  readonly index: SortedIndex;
  readonly ranges: Array<readonly [unknown[], unknown[]]>;
  readonly score: number;
  readonly equalityFields: number;
  readonly singlePoint: boolean;
}

const MAX_POINTS = 256;

/**
 * Chooses how to find a filter's documents. Any index bound is a superset of the matches:
 * the caller still tests every candidate with the full filter, so the plan decides speed,
 * never results. Indexes crossed by arrays (multikey) are not used.
 */
export function planQuery(collection: StoredCollection, filter: Document, sort?: SortSpec): QueryPlan {
  const constraints = constraintsOf(filter);
  const byId = constraints.get('_id')?.points;
  if (byId) {
    const ids = [...new Set(byId.map(idKeyOf))].filter((id) => collection.has(id));
    return { ids, ordered: ids.length <= 1, index: '_id_', exact: Object.keys(filter).length === 1 && isPurePoint(filter._id) };
  }
  const usable = [...collection.indexes.values()].filter((index) => !index.multikey && !index.spec.sparse);
  const best = bestBounds(usable, constraints, sort);
  if (best) {
    const ordered = sort !== undefined && best.singlePoint && sortDirection(best.index, best.equalityFields, sort) !== 0;
    const reverse = ordered && sortDirection(best.index, best.equalityFields, sort as SortSpec) < 0;
    const pointFields = new Set(best.index.fields.slice(0, best.equalityFields));
    const exact = Object.entries(filter).every(([field, condition]) => pointFields.has(field) && isPurePoint(condition));
    const count = (): number => best.ranges.reduce((sum, [lower, upper]) => sum + best.index.countRange(lower, upper), 0);
    return { ids: scanRanges(best, reverse), ordered, index: best.index.spec.name, exact, count };
  }
  if (Array.isArray(filter.$or) && filter.$or.length > 0) {
    const union = planUnion(usable, filter);
    if (union) return union;
  }
  if (sort) {
    for (const index of usable) {
      const direction = sortDirection(index, 0, sort);
      if (direction === 0) continue;
      const lower = index.directions.map((dir) => (dir > 0 ? MIN_KEY : MAX_KEY));
      const upper = index.directions.map((dir) => (dir > 0 ? MAX_KEY : MIN_KEY));
      return {
        ids: index.scan(lower, upper, direction < 0),
        ordered: true,
        index: index.spec.name,
        exact: Object.keys(filter).length === 0,
      };
    }
  }
  return { ids: undefined, ordered: false, index: undefined, exact: Object.keys(filter).length === 0 };
}

/** A condition that an index lookup answers exactly: a value, `$eq` or `$in` of values. */
function isPurePoint(condition: unknown): boolean {
  if (isScalarKey(condition)) return true;
  if (!isOperatorObject(condition)) return false;
  const operators = Object.keys(condition as object);
  if (operators.length !== 1) return false;
  const value = (condition as Record<string, unknown>)[operators[0] as string];
  if (operators[0] === '$eq') return isScalarKey(value);
  return operators[0] === '$in' && Array.isArray(value) && value.length > 0 && value.every(isScalarKey);
}

function planUnion(usable: readonly SortedIndex[], filter: Document): QueryPlan | undefined {
  const { $or: branches, ...rest } = filter;
  const plans: IndexBounds[] = [];
  for (const branch of branches as Document[]) {
    const bounds = bestBounds(usable, constraintsOf({ $and: [rest, branch] }));
    if (!bounds) return undefined;
    plans.push(bounds);
  }
  const ids = new Set<string>();
  for (const bounds of plans) for (const id of scanRanges(bounds, false)) ids.add(id);
  return { ids, ordered: false, index: plans.map((bounds) => bounds.index.spec.name).join('|'), exact: false };
}

function* scanRanges(bounds: IndexBounds, reverse: boolean): Generator<string> {
  const ranges = reverse ? [...bounds.ranges].reverse() : bounds.ranges;
  if (ranges.length === 1) {
    const [lower, upper] = ranges[0] as readonly [unknown[], unknown[]];
    yield* bounds.index.scan(lower, upper, reverse);
    return;
  }
  const seen = new Set<string>();
  for (const [lower, upper] of ranges) {
    for (const id of bounds.index.scan(lower, upper, reverse)) {
      if (seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
  }
}

/** 1 when the index (after its equality prefix) walks in the sort order, -1 reversed, else 0. */
function sortDirection(index: SortedIndex, equalityFields: number, sort: SortSpec): number {
  if (sort.length === 0 || equalityFields + sort.length > index.fields.length) return 0;
  let direction = 0;
  for (let position = 0; position < sort.length; position += 1) {
    const [field, order] = sort[position] as readonly [string, 1 | -1];
    if (index.fields[equalityFields + position] !== field) return 0;
    const relative = order * (index.directions[equalityFields + position] as number);
    if (direction !== 0 && relative !== direction) return 0;
    direction = relative;
  }
  return direction;
}

function bestBounds(indexes: readonly SortedIndex[], constraints: Map<string, FieldConstraint>, sort?: SortSpec): IndexBounds | undefined {
  let best: IndexBounds | undefined;
  for (const index of indexes) {
    const found = boundsFor(index, constraints);
    if (!found) continue;
    // Among equally selective indexes, one that also delivers the sort order saves sorting.
    const sorts = sort !== undefined && found.singlePoint && sortDirection(index, found.equalityFields, sort) !== 0;
    const bounds = sorts ? { ...found, score: found.score + 0.25 } : found;
    const better =
      !best ||
      bounds.score > best.score ||
      (bounds.score === best.score && !!bounds.index.spec.unique && !best.index.spec.unique) ||
      (bounds.score === best.score && bounds.index.fields.length < best.index.fields.length);
    if (better) best = bounds;
  }
  return best;
}

function boundsFor(index: SortedIndex, constraints: Map<string, FieldConstraint>): IndexBounds | undefined {
  let prefixes: unknown[][] = [[]];
  let score = 0;
  let equalityFields = 0;
  let range: { low: unknown; high: unknown } | undefined;
  for (const field of index.fields) {
    const constraint = constraints.get(field);
    if (constraint?.points && prefixes.length * constraint.points.length <= MAX_POINTS) {
      prefixes = prefixes.flatMap((prefix) => (constraint.points as unknown[]).map((point) => [...prefix, point]));
      score += 1;
      equalityFields += 1;
      continue;
    }
    if (constraint && (constraint.low !== undefined || constraint.high !== undefined)) {
      range = { low: constraint.low ?? MIN_KEY, high: constraint.high ?? MAX_KEY };
      score += 0.5;
    }
    break;
  }
  if (score === 0) return undefined;
  const ranges = prefixes.map((prefix): readonly [unknown[], unknown[]] => {
    const lower: unknown[] = [];
    const upper: unknown[] = [];
    index.directions.forEach((direction, position) => {
      let low: unknown = MIN_KEY;
      let high: unknown = MAX_KEY;
      if (position < prefix.length) low = high = prefix[position];
      else if (position === prefix.length && range) ({ low, high } = range);
      lower.push(direction > 0 ? low : high);
      upper.push(direction > 0 ? high : low);
    });
    return [lower, upper];
  });
  ranges.sort((a, b) => index.compareKeys(a[0], b[0]));
  // `$in: [x, x]` would scan (and count) one range twice.
  const distinct = ranges.filter(
    (range, position) => position === 0 || index.compareKeys(range[0], (ranges[position - 1] as typeof range)[0]) !== 0,
  );
  return { index, ranges: distinct, score, equalityFields, singlePoint: prefixes.length === 1 };
}

/** Equality, `$in` and range conditions per field, from the top level and `$and`. */
export function constraintsOf(filter: Document, into = new Map<string, FieldConstraint>()): Map<string, FieldConstraint> {
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const part of condition) if (part && typeof part === 'object') constraintsOf(part as Document, into);
      continue;
    }
    if (field.startsWith('$')) continue;
    const constraint = into.get(field) ?? {};
    if (isScalarKey(condition)) constraint.points ??= [condition];
    else if (isOperatorObject(condition)) addOperators(constraint, condition as Record<string, unknown>);
    into.set(field, constraint);
  }
  for (const [field, constraint] of into)
    if (!constraint.points && constraint.low === undefined && constraint.high === undefined) into.delete(field);
  return into;
}

function isOperatorObject(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof RegExp) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

function addOperators(constraint: FieldConstraint, operators: Record<string, unknown>): void {
  if ('$eq' in operators && isScalarKey(operators.$eq)) constraint.points ??= [operators.$eq];
  const list = operators.$in;
  if (Array.isArray(list) && list.length > 0 && list.every(isScalarKey)) constraint.points ??= [...list];
  for (const key of ['$gt', '$gte'] as const)
    if (key in operators && isScalarKey(operators[key]) && operators[key] !== null) constraint.low ??= operators[key];
  for (const key of ['$lt', '$lte'] as const)
    if (key in operators && isScalarKey(operators[key]) && operators[key] !== null) constraint.high ??= operators[key];
}
