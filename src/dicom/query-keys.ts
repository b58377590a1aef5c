/**
 * C-FIND identifiers (PS3.4 C.2.2): which level is asked, which keys must match and how, and
 * which keys the answer must carry. Pure functions; QueryService does the lookups.
 */

import { QueryIdentifierError } from './query.exception';

export type QueryLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';

export const QUERY_LEVELS: readonly QueryLevel[] = ['PATIENT', 'STUDY', 'SERIES', 'IMAGE'];

/** The keys Osteon can match on and answer with; any other requested key is answered empty. */
export const SUPPORTED_KEYS = [
  'PatientID',
  'PatientName',
  'PatientBirthDate',
  'PatientSex',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'AccessionNumber',
  'ModalitiesInStudy',
  'SeriesInstanceUID',
  'Modality',
  'SeriesNumber',
  'BodyPartExamined',
  'SOPInstanceUID',
  'SOPClassUID',
  'InstanceNumber',
] as const;
export type SupportedKey = (typeof SUPPORTED_KEYS)[number];

/** How one requested key constrains the matches (empty value: universal match, return only). */
export type Matcher =
  | { readonly kind: 'uids'; readonly values: readonly string[] }
  | { readonly kind: 'range'; readonly from: string | undefined; readonly to: string | undefined }
  | { readonly kind: 'wildcard'; readonly pattern: RegExp }
  | { readonly kind: 'exact'; readonly value: string };

export interface ParsedQuery {
  readonly level: QueryLevel;
  /** Every key of the identifier, in request order: the answer carries each of them. */
  readonly requestedKeys: readonly string[];
  readonly matchers: ReadonlyMap<SupportedKey, Matcher>;
}

const UID_KEYS: ReadonlySet<string> = new Set(['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID']);
const DATE_KEYS: ReadonlySet<string> = new Set(['StudyDate', 'PatientBirthDate']);
const TIME_KEYS: ReadonlySet<string> = new Set(['StudyTime']);
/** Keys whose VR allows * and ? (PS3.4 C.2.2.2.4): not UI, DA, TM, IS. */
const NO_WILDCARD_KEYS: ReadonlySet<string> = new Set([...UID_KEYS, ...DATE_KEYS, ...TIME_KEYS, 'SeriesNumber', 'InstanceNumber']);
/** Identifier elements that are not query keys. */
const NOT_KEYS: ReadonlySet<string> = new Set(['QueryRetrieveLevel', 'SpecificCharacterSet', 'RetrieveAETitle', '_vrMap']);

/** A naturalised dcmjs value as DICOM text: multiple values joined by backslash, PN by its alphabetic form. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(valueText).join('\\');
  if (typeof value === 'object') return valueText((value as { Alphabetic?: unknown }).Alphabetic);
  return String(value).trim();
}

export function parseQuery(identifier: Record<string, unknown>): ParsedQuery {
  const level = valueText(identifier.QueryRetrieveLevel).toUpperCase();
  if (!(QUERY_LEVELS as readonly string[]).includes(level)) {
    throw new QueryIdentifierError(`Query/Retrieve Level must be one of ${QUERY_LEVELS.join(', ')}`);
  }
  const requestedKeys = Object.keys(identifier).filter((key) => !NOT_KEYS.has(key));
  const matchers = new Map<SupportedKey, Matcher>();
  for (const key of requestedKeys) {
    if (!(SUPPORTED_KEYS as readonly string[]).includes(key)) continue;
    const text = valueText(identifier[key]);
    if (text === '' || text === '*') continue;
    matchers.set(key as SupportedKey, matcherFor(key, text));
  }
  return { level: level as QueryLevel, requestedKeys, matchers };
}

function matcherFor(key: string, text: string): Matcher {
  if (UID_KEYS.has(key))
    return {
      kind: 'uids',
      values: text
        .split('\\')
        .map((uid) => uid.trim())
        .filter(Boolean),
    };
  if ((DATE_KEYS.has(key) || TIME_KEYS.has(key)) && text.includes('-')) {
    const [from, to] = text.split('-', 2).map((part) => part.trim());
    return { kind: 'range', from: from || undefined, to: to || undefined };
  }
  if (!NO_WILDCARD_KEYS.has(key) && /[*?]/.test(text)) {
    const escaped = text
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    // PN matching is case-insensitive in practice (most PACS); other keys are exact.
    return { kind: 'wildcard', pattern: new RegExp(`^${escaped}$`, key === 'PatientName' ? 'i' : '') };
  }
  return { kind: 'exact', value: text };
}

/** Does a stored value satisfy the matcher? A multi-valued one (ModalitiesInStudy) matches if any value does. */
export function matches(matcher: Matcher, stored: string | readonly string[] | undefined): boolean {
  const values = stored === undefined ? [] : typeof stored === 'string' ? [stored] : stored;
  return values.some((value) => matchesOne(matcher, value));
}

function matchesOne(matcher: Matcher, value: string): boolean {
  switch (matcher.kind) {
    case 'uids':
      return matcher.values.includes(value);
    case 'range':
      return value !== '' && (matcher.from === undefined || value >= matcher.from) && (matcher.to === undefined || value <= matcher.to);
    case 'wildcard':
      return matcher.pattern.test(value);
    case 'exact':
      return value === matcher.value;
  }
}
