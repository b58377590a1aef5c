import { deserialize, ObjectId } from 'bson';

/**
 * Reads single fields straight out of a serialised BSON document, so documents loaded from
 * a snapshot can be indexed (and projected) without deserialising them whole: at start-up
 * that is most of the time and most of the garbage.
 */

const DESERIALIZE = { promoteLongs: false } as const;

/** Bytes of the value of an element of `type` starting at `offset`. */
function valueLength(bytes: Buffer, type: number, offset: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // date
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + bytes.readInt32LE(offset);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return bytes.readInt32LE(offset);
    case 0x05: // binary
      return 5 + bytes.readInt32LE(offset);
    case 0x06: // undefined
    case 0x0a: // null
    case 0xff: // min key
    case 0x7f: // max key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: {
      // regex: two C strings
      const patternEnd = bytes.indexOf(0, offset);
      return bytes.indexOf(0, patternEnd + 1) + 1 - offset;
    }
    case 0x0c: // DBPointer
      return 4 + bytes.readInt32LE(offset) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`unknown BSON type 0x${type.toString(16)}`);
  }
}

interface Element {
  readonly type: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** Compares the element name at `start` with `name` byte by byte (no string is made). */
function nameEquals(bytes: Buffer, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false;
  for (let index = 0; index < name.length; index += 1) if (bytes[start + index] !== name[index]) return false;
  return true;
}

function findElement(bytes: Buffer, documentStart: number, name: Buffer): Element | undefined {
  const documentEnd = documentStart + bytes.readInt32LE(documentStart) - 1;
  let offset = documentStart + 4;
  while (offset < documentEnd) {
    const type = bytes[offset] as number;
    let nameEnd = offset + 1;
    while (bytes[nameEnd] !== 0) nameEnd += 1;
    const valueStart = nameEnd + 1;
    const end = valueStart + valueLength(bytes, type, valueStart);
    if (nameEquals(bytes, offset + 1, nameEnd, name)) return { type, start: offset, valueStart, end };
    offset = end;
  }
  return undefined;
}

const pathParts = new Map<string, Buffer[]>();

function partsOf(path: string): Buffer[] {
  let parts = pathParts.get(path);
  if (!parts) {
    parts = path.split('.').map((part) => Buffer.from(part, 'utf8'));
    pathParts.set(path, parts);
  }
  return parts;
}

function decode(bytes: Buffer, element: Element): unknown {
  const at = element.valueStart;
  switch (element.type) {
    case 0x01:
      return bytes.readDoubleLE(at);
    case 0x02:
      return bytes.toString('utf8', at + 4, at + 4 + bytes.readInt32LE(at) - 1);
    case 0x07:
      return new ObjectId(bytes.subarray(at, at + 12));
    case 0x08:
      return bytes[at] === 1;
    case 0x09:
      return new Date(Number(bytes.readBigInt64LE(at)));
    case 0x0a:
      return null;
    case 0x10:
      return bytes.readInt32LE(at);
    default: {
      // Anything else: wrap the element in a one-field document and let bson decode it.
      const length = element.end - element.start;
      const wrapped = Buffer.allocUnsafe(length + 5);
      wrapped.writeInt32LE(length + 5, 0);
      bytes.copy(wrapped, 4, element.start, element.end);
      wrapped[length + 4] = 0;
      return Object.values(deserialize(wrapped, DESERIALIZE))[0];
    }
  }
}

/** The value at a dotted path of a serialised document, as `valueAtPath` gives it for an object. */
export function rawValueAtPath(bytes: Buffer, path: string): { value: unknown; hitArray: boolean } {
  let documentStart = 0;
  const parts = partsOf(path);
  for (let index = 0; index < parts.length; index += 1) {
    const element = findElement(bytes, documentStart, parts[index] as Buffer);
    if (!element) return { value: undefined, hitArray: false };
    const last = index === parts.length - 1;
    if (element.type === 0x04) return { value: last ? decode(bytes, element) : undefined, hitArray: true };
    if (last) return { value: decode(bytes, element), hitArray: false };
    if (element.type !== 0x03) return { value: undefined, hitArray: false };
    documentStart = element.valueStart;
  }
  return { value: undefined, hitArray: false };
}

/**
 * Several top-level-first paths in one walk over a document: `values[i]` and `arrays[i]` get
 * path i's value and whether it crossed an array (index builds ask for all the fields of all a
 * collection's indexes at once; the arrays are reused from one document to the next).
 */
export function rawValuesInto(bytes: Buffer, paths: readonly string[], values: unknown[], arrays: boolean[]): void {
  const split = paths.map(partsOf);
  values.fill(undefined);
  arrays.fill(false);
  const documentEnd = bytes.readInt32LE(0) - 1;
  let offset = 4;
  while (offset < documentEnd) {
    const type = bytes[offset] as number;
    let nameEnd = offset + 1;
    while (bytes[nameEnd] !== 0) nameEnd += 1;
    const valueStart = nameEnd + 1;
    const end = valueStart + valueLength(bytes, type, valueStart);
    for (let index = 0; index < paths.length; index += 1) {
      const parts = split[index] as Buffer[];
      if (!nameEquals(bytes, offset + 1, nameEnd, parts[0] as Buffer)) continue;
      if (parts.length === 1) {
        values[index] = decode(bytes, { type, start: offset, valueStart, end });
        arrays[index] = type === 0x04;
      } else if (type === 0x04) {
        arrays[index] = true;
      } else if (type === 0x03) {
        const nested = rawValueAtPath(
          bytes.subarray(valueStart, end),
          (paths[index] as string).slice(parts[0]?.length ?? 0).replace(/^\./, ''),
        );
        values[index] = nested.value;
        arrays[index] = nested.hitArray;
      }
    }
    offset = end;
  }
}

/** The bytes of a top-level embedded document field (itself a whole BSON document), without decoding it. */
export function rawElementBytes(bytes: Buffer, name: string): Buffer | undefined {
  const element = findElement(bytes, 0, Buffer.from(name, 'utf8'));
  return element && element.type === 0x03 ? bytes.subarray(element.valueStart, element.end) : undefined;
}

export function deserializeRaw(bytes: Buffer): Record<string, unknown> {
  return deserialize(bytes, DESERIALIZE);
}
