import { Inject, Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { InstanceRecord } from './instance-record';
import { InstanceRepository, type InstanceQuery } from './instance.repository';
import { matches, parseQuery, valueText, type Matcher, type ParsedQuery, type QueryLevel, type SupportedKey } from './query-keys';
import { QueryRootSopClass } from './dicom.constants';
import { QueryErrorCode, QueryException } from './query.exception';

/** More than this many answers is refused with "out of resources": narrow the query. */
export const MAX_QUERY_MATCHES = 1000;
const MAX_RECORDS_READ = 50_000;

const LEVEL_RANK: Record<QueryLevel, number> = { PATIENT: 0, STUDY: 1, SERIES: 2, IMAGE: 3 };

/** The level each key belongs to: a key below the query level neither matches nor is answered. */
const KEY_LEVEL: Record<string, QueryLevel> = {
  PatientID: 'PATIENT',
  PatientName: 'PATIENT',
  PatientBirthDate: 'PATIENT',
  PatientSex: 'PATIENT',
  NumberOfPatientRelatedStudies: 'PATIENT',
  NumberOfPatientRelatedSeries: 'PATIENT',
  NumberOfPatientRelatedInstances: 'PATIENT',
  StudyInstanceUID: 'STUDY',
  StudyDate: 'STUDY',
  StudyTime: 'STUDY',
  AccessionNumber: 'STUDY',
  StudyDescription: 'STUDY',
  ModalitiesInStudy: 'STUDY',
  SOPClassesInStudy: 'STUDY',
  NumberOfStudyRelatedSeries: 'STUDY',
  NumberOfStudyRelatedInstances: 'STUDY',
  SeriesInstanceUID: 'SERIES',
  Modality: 'SERIES',
  SeriesNumber: 'SERIES',
  SeriesDescription: 'SERIES',
  BodyPartExamined: 'SERIES',
  NumberOfSeriesRelatedInstances: 'SERIES',
  SOPInstanceUID: 'IMAGE',
  SOPClassUID: 'IMAGE',
  InstanceNumber: 'IMAGE',
  Rows: 'IMAGE',
  Columns: 'IMAGE',
};

const GROUP_KEY: Record<QueryLevel, (record: InstanceRecord) => string> = {
  PATIENT: (record) => record.patientId ?? '',
  STUDY: (record) => record.studyInstanceUid,
  SERIES: (record) => record.seriesInstanceUid,
  IMAGE: (record) => record.sopInstanceUid,
};

/** One answer's attribute values, from the records of its group (all share the level's entity). */
export type Values = Partial<Record<string, string | readonly string[]>>;

/** One matching patient, study, series or instance: its attribute values and the records behind them. */
export interface MatchedEntity {
  readonly values: Values;
  readonly records: readonly InstanceRecord[];
}

/**
 * Answers C-FIND for Osteon's own studies (Patient Root and Study Root), so a PACS or viewer
 * can see what Osteon holds. Only the newest version of a re-sent instance is answered.
 */
@Injectable()
export class QueryService {
  private readonly logger = moduleLogger('dicom-query');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instances: InstanceRepository,
  ) {}

  async find(sopClassUid: string, identifier: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    let query: ParsedQuery;
    try {
      query = parseQuery(identifier);
    } catch (error) {
      throw error instanceof QueryException ? error : new QueryException(QueryErrorCode.IdentifierInvalid, (error as Error).message);
    }
    if (query.level === 'PATIENT' && sopClassUid !== QueryRootSopClass.PatientRootFind) {
      throw new QueryException(QueryErrorCode.IdentifierInvalid, 'PATIENT level needs the Patient Root information model');
    }
    const matched = await this.match(query.level, query.matchers, MAX_QUERY_MATCHES);
    const answers = matched.map((entity) => this.answer(query, entity.values));
    this.logger.info({ level: query.level, keys: [...query.matchers.keys()], matches: answers.length }, 'C-FIND answered');
    return answers;
  }

  /**
   * Every entity (patient, study, series or instance) at `level` whose values satisfy all
   * matchers, from the newest version of each instance; more than `maxMatches` is refused.
   * Keys below the level neither match nor are answered (C-FIND and QIDO-RS alike).
   */
  async match(level: QueryLevel, allMatchers: ReadonlyMap<SupportedKey, Matcher>, maxMatches: number): Promise<MatchedEntity[]> {
    const matchers = new Map([...allMatchers].filter(([key]) => LEVEL_RANK[KEY_LEVEL[key] ?? 'IMAGE'] <= LEVEL_RANK[level]));
    const records = await this.instances.findMatching(databaseQuery(matchers), MAX_RECORDS_READ);
    if (records.length >= MAX_RECORDS_READ)
      throw new QueryException(QueryErrorCode.TooManyMatches, 'the query matches too many instances: narrow it');
    const matched: MatchedEntity[] = [];
    for (const group of groupBy(newestVersions(records), GROUP_KEY[level]).values()) {
      const values = valuesOf(group, level);
      if (![...matchers].every(([key, matcher]) => matches(matcher, values[key]))) continue;
      matched.push({ values, records: group });
      if (matched.length > maxMatches)
        throw new QueryException(QueryErrorCode.TooManyMatches, `more than ${maxMatches} matches: narrow the query`);
    }
    return matched;
  }

  private answer(query: ParsedQuery, values: Values): Record<string, unknown> {
    const answer: Record<string, unknown> = { QueryRetrieveLevel: query.level };
    for (const key of query.requestedKeys) {
      const inLevel = LEVEL_RANK[KEY_LEVEL[key] ?? 'IMAGE'] <= LEVEL_RANK[query.level];
      const value = inLevel ? values[key] : undefined;
      answer[key] = key === 'PatientName' ? [{ Alphabetic: valueText(value) }] : value === undefined ? '' : value;
    }
    if (query.requestedKeys.includes('RetrieveAETitle')) answer.RetrieveAETitle = this.config.dicom.aeTitle;
    const texts = Object.values(answer).map(valueText);
    if (texts.some((text) => /[^\x20-\x7e]/.test(text))) answer.SpecificCharacterSet = 'ISO_IR 192';
    return answer;
  }
}

/** The exact constraints the database can apply; wildcards and the rest are matched afterwards. */
function databaseQuery(matchers: ReadonlyMap<SupportedKey, Matcher>): InstanceQuery {
  const exact = (key: SupportedKey): string | undefined => {
    const matcher = matchers.get(key);
    return matcher?.kind === 'exact' ? matcher.value : undefined;
  };
  const uids = (key: SupportedKey): readonly string[] | undefined => {
    const matcher = matchers.get(key);
    return matcher?.kind === 'uids' ? matcher.values : undefined;
  };
  const date = matchers.get('StudyDate');
  const day = (value: string | undefined): string | undefined =>
    value && /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}` : undefined;
  return {
    patientId: exact('PatientID'),
    accessionNumber: exact('AccessionNumber'),
    modality: exact('Modality'),
    studyInstanceUids: uids('StudyInstanceUID'),
    seriesInstanceUids: uids('SeriesInstanceUID'),
    sopInstanceUids: uids('SOPInstanceUID'),
    sopClassUids: uids('SOPClassUID'),
    fromDay: date?.kind === 'range' ? day(date.from) : date?.kind === 'exact' ? day(date.value) : undefined,
    toDay: date?.kind === 'range' ? day(date.to) : date?.kind === 'exact' ? day(date.value) : undefined,
  };
}

function newestVersions(records: readonly InstanceRecord[]): InstanceRecord[] {
  const newest = new Map<string, InstanceRecord>();
  for (const record of records) {
    const kept = newest.get(record.sopInstanceUid);
    if (!kept || record.version > kept.version) newest.set(record.sopInstanceUid, record);
  }
  return [...newest.values()];
}

function groupBy(records: readonly InstanceRecord[], key: (record: InstanceRecord) => string): Map<string, InstanceRecord[]> {
  const groups = new Map<string, InstanceRecord[]>();
  for (const record of records) groups.set(key(record), [...(groups.get(key(record)) ?? []), record]);
  return groups;
}

function valuesOf(group: readonly InstanceRecord[], level: QueryLevel): Values {
  const first = group[0]!;
  const distinct = (pick: (record: InstanceRecord) => string | undefined): string[] =>
    [...new Set(group.map(pick).filter((value): value is string => !!value))].sort();
  const values: Values = {
    PatientID: first.patientId ?? '',
    PatientName: first.patientName ?? '',
    PatientBirthDate: first.patientBirthDate ?? '',
    PatientSex: first.patientSex ?? '',
  };
  if (level === 'PATIENT') {
    values.NumberOfPatientRelatedStudies = String(distinct((record) => record.studyInstanceUid).length);
    values.NumberOfPatientRelatedSeries = String(distinct((record) => record.seriesInstanceUid).length);
    values.NumberOfPatientRelatedInstances = String(group.length);
    return values;
  }
  Object.assign(values, {
    StudyInstanceUID: first.studyInstanceUid,
    StudyDate: first.studyDay.replace(/-/g, ''),
    StudyTime: first.studyTime ?? '',
    AccessionNumber: first.accessionNumber ?? '',
    StudyDescription: first.studyDescription ?? '',
  });
  // Aggregates describe the whole group, so only at their own level (a series is not the study).
  if (level === 'STUDY') {
    return Object.assign(values, {
      ModalitiesInStudy: distinct((record) => record.modality),
      SOPClassesInStudy: distinct((record) => record.sopClassUid),
      NumberOfStudyRelatedSeries: String(distinct((record) => record.seriesInstanceUid).length),
      NumberOfStudyRelatedInstances: String(group.length),
    });
  }
  Object.assign(values, {
    SeriesInstanceUID: first.seriesInstanceUid,
    Modality: first.modality ?? '',
    SeriesNumber: first.seriesNumber !== undefined ? String(first.seriesNumber) : '',
    SeriesDescription: first.seriesDescription ?? '',
    BodyPartExamined: first.bodyPartExamined ?? '',
  });
  if (level === 'SERIES') return Object.assign(values, { NumberOfSeriesRelatedInstances: String(group.length) });
  return Object.assign(values, {
    SOPInstanceUID: first.sopInstanceUid,
    SOPClassUID: first.sopClassUid,
    InstanceNumber: first.instanceNumber !== undefined ? String(first.instanceNumber) : '',
    Rows: first.rows !== undefined ? String(first.rows) : '',
    Columns: first.columns !== undefined ? String(first.columns) : '',
  });
}
