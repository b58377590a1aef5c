import { Binary, MaxKey, MinKey, type ObjectId } from 'bson';

/**
 * MongoDB's order of BSON values (type bracket first, then value), which index keys follow.
 * Strings compare by UTF-16 code units, not UTF-8 bytes: the two orders differ only between
 * astral characters and U+E000–U+FFFF, and the planner re-checks every candidate anyway.
 */
const enum Bracket {
  MinKey = 1,
  Null = 2,
  Number = 3,
  String = 4,
  Object = 5,
  Array = 6,
  Binary = 7,
  ObjectId = 8,
  Boolean = 9,
  Date = 10,
  Timestamp = 11,
  RegExp = 12,
  MaxKey = 13,
}

export const MIN_KEY = new MinKey();
export const MAX_KEY = new MaxKey();

function bsonType(value: object): string | undefined {
  return (value as { _bsontype?: string })._bsontype;
}

function bracketOf(value: unknown): Bracket {
  if (value === null || value === undefined) return Bracket.Null;
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return Bracket.Number;
    case 'string':
      return Bracket.String;
    case 'boolean':
      return Bracket.Boolean;
    case 'object':
      break;
    case 'undefined':
      return Bracket.Null;
    case 'function':
    case 'symbol':
      return Bracket.Object;
  }
  if (Array.isArray(value)) return Bracket.Array;
  if (value instanceof Date) return Bracket.Date;
  if (value instanceof RegExp) return Bracket.RegExp;
  switch (bsonType(value)) {
    case 'MinKey':
      return Bracket.MinKey;
    case 'MaxKey':
      return Bracket.MaxKey;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return Bracket.Number;
    case 'BSONSymbol':
      return Bracket.String;
    case 'Binary':
      return Bracket.Binary;
    case 'ObjectId':
    case 'ObjectID':
      return Bracket.ObjectId;
    case 'Timestamp':
      return Bracket.Timestamp;
    case 'BSONRegExp':
      return Bracket.RegExp;
    case undefined:
    default:
      return Bracket.Object;
  }
}

function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const typed = value as { toNumber?: () => number; valueOf(): unknown; toString(): string };
  if (typeof typed.toNumber === 'function') return typed.toNumber();
  if (bsonType(value as object) === 'Decimal128') return Number(typed.toString());
  return Number(typed.valueOf());
}

function compareNumbers(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  for (let index = 0; index < Math.min(aKeys.length, bKeys.length); index += 1) {
    const aKey = aKeys[index] as string;
    const bKey = bKeys[index] as string;
    const byType = bracketOf(a[aKey]) - bracketOf(b[bKey]);
    if (byType !== 0) return byType < 0 ? -1 : 1;
    const byName = compareStrings(aKey, bKey);
    if (byName !== 0) return byName;
    const byValue = compareValues(a[aKey], b[bKey]);
    if (byValue !== 0) return byValue;
  }
  return compareNumbers(aKeys.length, bKeys.length);
}

/** Compares two BSON values in MongoDB's sort order: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown): number {
  const aBracket = bracketOf(a);
  const bBracket = bracketOf(b);
  if (aBracket !== bBracket) return aBracket < bBracket ? -1 : 1;
  switch (aBracket) {
    case Bracket.MinKey:
    case Bracket.Null:
    case Bracket.MaxKey:
      return 0;
    case Bracket.Number:
      return compareNumbers(numberOf(a), numberOf(b));
    case Bracket.String:
      return compareStrings(String(a), String(b));
    case Bracket.Boolean:
      return a === b ? 0 : a ? 1 : -1;
    case Bracket.Date:
      return compareNumbers((a as Date).getTime(), (b as Date).getTime());
    case Bracket.ObjectId:
      return compareStrings((a as ObjectId).toHexString(), (b as ObjectId).toHexString());
    case Bracket.Timestamp:
      return (a as { compare(other: unknown): number }).compare(b);
    case Bracket.Binary: {
      const aBinary = a as Binary;
      const bBinary = b as Binary;
      if (aBinary.position !== bBinary.position) return aBinary.position < bBinary.position ? -1 : 1;
      if (aBinary.sub_type !== bBinary.sub_type) return aBinary.sub_type < bBinary.sub_type ? -1 : 1;
      return compareBytes(aBinary.value(), bBinary.value());
    }
    case Bracket.Array: {
      const aArray = a as unknown[];
      const bArray = b as unknown[];
      for (let index = 0; index < Math.min(aArray.length, bArray.length); index += 1) {
        const byElement = compareValues(aArray[index], bArray[index]);
        if (byElement !== 0) return byElement;
      }
      return compareNumbers(aArray.length, bArray.length);
    }
    case Bracket.RegExp:
      return compareStrings(String(a), String(b));
    case Bracket.Object:
      return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
  }
}

/** True for a value that a plain `{field: value}` filter compares by equality alone. */
export function isScalarKey(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  if (Array.isArray(value) || value instanceof RegExp) return false;
  const bracket = bracketOf(value);
  return bracket !== Bracket.Object && bracket !== Bracket.RegExp && bracket !== Bracket.MinKey && bracket !== Bracket.MaxKey;
}

/** A canonical string for an `_id`: equal ids (1 and 1.0, two ObjectId objects) get one key. */
export function idKeyOf(id: unknown): string {
  if (typeof id === 'string') return `s${id}`;
  if (typeof id === 'number') return `n${id}`;
  if (id instanceof Date) return `d${id.getTime()}`;
  if (id && typeof id === 'object') {
    const type = bsonType(id);
    if (type === 'ObjectId' || type === 'ObjectID') return `o${(id as ObjectId).toHexString()}`;
    if (type === 'Long' || type === 'Int32' || type === 'Double') return `n${numberOf(id)}`;
    if (type === 'Binary') return `b${(id as Binary).sub_type}:${Buffer.from((id as Binary).value()).toString('hex')}`;
  }
  return `j${stableString(id)}`;
}

function stableString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(stableString).join(',')}]`;
  if (typeof value === 'object' && bracketOf(value) === Bracket.Object) {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${JSON.stringify(key)}:${stableString(item)}`)
      .join(',')}}`;
  }
  return typeof value === 'object' ? `${bsonType(value) ?? 'object'}(${String(value)})` : JSON.stringify(value);
}

/**
 * A deep copy that keeps BSON classes (Binary, Date, Long, ObjectId…) intact. Stored
 * documents are never changed in place: updates work on a copy, so snapshots and rollbacks
 * can keep references to old versions.
 */
export function cloneDocument<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => cloneDocument(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof Binary) return new Binary(Buffer.from(value.value()), value.sub_type) as T;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (bsonType(value) !== undefined || value instanceof RegExp) return value; // immutable BSON values
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = cloneDocument((value as Record<string, unknown>)[key]);
  return copy as T;
}

/** The value at a dotted path; `hitArray` tells the caller an array was crossed (multikey). */
export function valueAtPath(document: unknown, path: string): { value: unknown; hitArray: boolean } {
  let current: unknown = document;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) return { value: undefined, hitArray: true };
    if (current === null || typeof current !== 'object') return { value: undefined, hitArray: false };
    current = (current as Record<string, unknown>)[part];
  }
  return { value: current, hitArray: Array.isArray(current) };
}
