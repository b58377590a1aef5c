/**
 * QIDO-RS query parameters (PS3.18 8.3.4): attribute matching by keyword or tag, `includefield`,
 * `fuzzymatching`, `limit`, `offset`. Pure: a malformed parameter is an error naming it; an
 * attribute Osteon cannot match on is ignored and reported (the Warning header).
 */

import { InvalidInputException } from '../common/invalid-input.exception';
import { SUPPORTED_KEYS, type QueryLevel } from '../dicom/query-keys';
import { isValidUid } from '../imaging/uid';
import { attributeOf } from './dicom-dictionary';

export type QidoLevel = Extract<QueryLevel, 'STUDY' | 'SERIES' | 'IMAGE'>;

/** The most answers one search returns; more are paged with offset (and announced in a Warning). */
export const QIDO_MAX_LIMIT = 1000;

export interface QidoQuery {
  readonly level: QidoLevel;
  /** A C-FIND style identifier of the matching keys (keywords, DICOM values), for the dicom module's matching. */
  readonly identifier: Readonly<Record<string, string>>;
  /** `all`, or the keywords asked for besides the defaults. */
  readonly includeFields: 'all' | readonly string[];
  readonly limit: number;
  readonly offset: number;
  readonly fuzzyMatching: boolean;
  /** Valid attributes given as keys that Osteon does not match on (answered in a Warning). */
  readonly unsupportedKeys: readonly string[];
}

/** The UIDs the path fixes (`/studies/{study}/series`). */
export interface QidoScope {
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
}

const CONTROL_PARAMETERS = new Set(['includefield', 'fuzzymatching', 'limit', 'offset']);
const UID_KEYS = new Set(['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID']);
const DATE = /^\d{8}$/;
const TIME = /^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/;

type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

export function parseQidoQuery(level: QidoLevel, raw: RawQuery, scope: QidoScope = {}): QidoQuery {
  const identifier: Record<string, string> = {};
  const unsupportedKeys: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (CONTROL_PARAMETERS.has(name.toLowerCase()) || value === undefined) continue;
    const attribute = attributeOf(name);
    if (!attribute) throw new InvalidInputException(`${name} is not a DICOM attribute keyword or tag`);
    const text = single(name, value);
    if ((SUPPORTED_KEYS as readonly string[]).includes(attribute.keyword)) {
      identifier[attribute.keyword] = normalise(name, attribute.keyword, text);
    } else {
      unsupportedKeys.push(attribute.keyword);
    }
  }
  if (scope.studyInstanceUid !== undefined) identifier.StudyInstanceUID = scope.studyInstanceUid;
  if (scope.seriesInstanceUid !== undefined) identifier.SeriesInstanceUID = scope.seriesInstanceUid;
  return {
    level,
    identifier,
    includeFields: includeFieldsOf(raw.includefield),
    limit: integer('limit', raw.limit, QIDO_MAX_LIMIT, 1, QIDO_MAX_LIMIT),
    offset: integer('offset', raw.offset, 0, 0, Number.MAX_SAFE_INTEGER),
    fuzzyMatching: booleanOf('fuzzymatching', raw.fuzzymatching),
    unsupportedKeys,
  };
}

function single(name: string, value: string | string[]): string {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new InvalidInputException(`${name} is given more than once`);
    return value[0] ?? '';
  }
  return value;
}

/** QIDO values in DICOM form: UID lists may use commas (PS3.18 8.3.4.1), dates and times are checked. */
function normalise(name: string, keyword: string, text: string): string {
  if (UID_KEYS.has(keyword)) {
    const uids = text
      .split(/[,\\]/)
      .map((uid) => uid.trim())
      .filter(Boolean);
    if (uids.some((uid) => !isValidUid(uid))) throw new InvalidInputException(`${name} must be a UID or a comma-separated list of UIDs`);
    return uids.join('\\');
  }
  if (keyword === 'StudyDate' || keyword === 'PatientBirthDate') checkRange(name, text, DATE, 'YYYYMMDD');
  if (keyword === 'StudyTime') checkRange(name, text, TIME, 'HHMMSS');
  return text;
}

function checkRange(name: string, text: string, pattern: RegExp, format: string): void {
  if (text === '') return;
  const parts = text.includes('-') ? text.split('-') : [text];
  const valid = parts.length <= 2 && parts.some(Boolean) && parts.every((part) => part === '' || pattern.test(part));
  if (!valid) throw new InvalidInputException(`${name} must be ${format} or a range ${format}-${format} (either end may be open)`);
}

function includeFieldsOf(value: string | string[] | undefined): 'all' | string[] {
  if (value === undefined) return [];
  const ids = (Array.isArray(value) ? value : [value])
    .flatMap((entry) => entry.split(','))
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (ids.some((id) => id.toLowerCase() === 'all')) return 'all';
  return ids.map((id) => {
    const attribute = attributeOf(id);
    if (!attribute) throw new InvalidInputException(`includefield ${id} is not a DICOM attribute keyword or tag`);
    return attribute.keyword;
  });
}

function integer(name: string, value: string | string[] | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const text = single(name, value);
  if (!/^\d+$/.test(text)) throw new InvalidInputException(`${name} must be a whole number`);
  const parsed = Number.parseInt(text, 10);
  if (parsed < min) throw new InvalidInputException(`${name} must be at least ${min}`);
  return Math.min(parsed, max);
}

function booleanOf(name: string, value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  const text = single(name, value).toLowerCase();
  if (text !== 'true' && text !== 'false') throw new InvalidInputException(`${name} must be true or false`);
  return text === 'true';
}
