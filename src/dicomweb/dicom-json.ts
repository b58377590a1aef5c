/**
 * The DICOM JSON Model (PS3.18 F.2): data sets as `{ "00100010": { "vr": "PN", "Value": [...] } }`.
 * Pure functions over dcmjs's parsed data sets and over plain attribute values.
 */

import { attribute } from './dicom-dictionary';

export interface JsonElement {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type JsonDataset = Record<string, JsonElement>;

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMBER_VRS = new Set(['DS', 'FD', 'FL', 'IS', 'SL', 'SS', 'SV', 'UL', 'US', 'UV']);
/** Binary values larger than this are answered as a BulkDataURI, smaller ones inline (base64). */
export const INLINE_BINARY_LIMIT = 1024;

/** One attribute from a plain value (text as DICOM writes it; numbers for numeric VRs; lists for multi-valued). */
export function elementOf(keyword: string, value: string | number | readonly (string | number)[] | undefined): [string, JsonElement] {
  const { tag, vr } = attribute(keyword);
  const values = (value === undefined ? [] : Array.isArray(value) ? value : [value]).filter((entry) => entry !== '');
  if (values.length === 0) return [tag, { vr }];
  if (vr === 'PN') return [tag, { vr, Value: values.map((name) => ({ Alphabetic: String(name) })) }];
  if (NUMBER_VRS.has(vr)) {
    const numbers = values.map(Number).filter(Number.isFinite);
    return [tag, numbers.length > 0 ? { vr, Value: numbers } : { vr }];
  }
  return [tag, { vr, Value: values.map(String) }];
}

/** A data set of plain values, keyed by keyword (the order of DICOM JSON keys is the tag order). */
export function datasetOf(values: Readonly<Record<string, string | number | readonly (string | number)[] | undefined>>): JsonDataset {
  return sortedByTag(Object.entries(values).map(([keyword, value]) => elementOf(keyword, value)));
}

function sortedByTag(entries: ReadonlyArray<[string, JsonElement]>): JsonDataset {
  return Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

/** dcmjs's parsed element: `{ vr, Value }`, strings, numbers, PN objects, ArrayBuffers, nested data sets. */
interface DcmjsElement {
  readonly vr?: string;
  readonly Value?: unknown;
}

/**
 * A data set dcmjs read (`DicomMessage.readFile(...).dict`) as DICOM JSON. Binary values above
 * INLINE_BINARY_LIMIT at the top level get the URI `bulkDataUri(tag)` instead of their bytes;
 * nested ones and small ones are inlined. Empty values become elements without `Value`.
 */
export function datasetFromDcmjs(dict: Readonly<Record<string, unknown>>, bulkDataUri?: (tag: string) => string): JsonDataset {
  const entries: Array<[string, JsonElement]> = [];
  for (const [rawTag, raw] of Object.entries(dict)) {
    const tag = rawTag.toUpperCase();
    // Group lengths are retired in data sets (PS3.5 7.2) and carry nothing a client needs.
    if (tag.endsWith('0000')) continue;
    const element = raw as DcmjsElement;
    const vr = element.vr ?? 'UN';
    const values = Array.isArray(element.Value) ? (element.Value as unknown[]) : [];
    entries.push([tag, jsonElementOf(vr, values, bulkDataUri ? () => bulkDataUri(tag) : undefined)]);
  }
  return sortedByTag(entries);
}

function jsonElementOf(vr: string, values: readonly unknown[], bulkDataUri: (() => string) | undefined): JsonElement {
  if (vr === 'SQ') return { vr, Value: values.map((item) => datasetFromDcmjs(item as Record<string, unknown>)) };
  if (BINARY_VRS.has(vr)) {
    const bytes = Buffer.concat(values.map(bytesOf).filter((value): value is Buffer => value !== undefined));
    if (bytes.length === 0) return { vr };
    if (bulkDataUri && bytes.length > INLINE_BINARY_LIMIT) return { vr, BulkDataURI: bulkDataUri() };
    return { vr, InlineBinary: bytes.toString('base64') };
  }
  const present = values.filter((value) => value !== '' && value !== null && value !== undefined);
  if (present.length === 0) return { vr };
  if (vr === 'PN') return { vr, Value: present.map((value) => (typeof value === 'string' ? { Alphabetic: value } : value)) };
  if (NUMBER_VRS.has(vr)) {
    const numbers = present.map(Number);
    // A DS or IS that is not a number is kept as its text (PS3.18 F.2.3.1 allows strings).
    return { vr, Value: numbers.every(Number.isFinite) ? numbers : present.map(String) };
  }
  if (vr === 'AT')
    return { vr, Value: present.map((value) => (typeof value === 'number' ? value.toString(16).padStart(8, '0').toUpperCase() : value)) };
  return { vr, Value: [...present] };
}

function bytesOf(value: unknown): Buffer | undefined {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}
