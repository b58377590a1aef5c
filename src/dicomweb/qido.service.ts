import { Injectable } from '@nestjs/common';
import { InstanceRepository } from '../dicom/instance.repository';
import { parseQuery } from '../dicom/query-keys';
import { QueryService, type MatchedEntity, type Values } from '../dicom/query.service';
import { attribute } from './dicom-dictionary';
import { datasetOf, type JsonDataset } from './dicom-json';
import type { DicomwebUrls } from './dicomweb-urls';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';
import { QIDO_MAX_LIMIT, type QidoLevel, type QidoQuery } from './qido-query';

/** Entities read per search before paging: far above any page, far below a memory problem. */
const MAX_MATCHED = 20 * QIDO_MAX_LIMIT;

const PATIENT_STUDY = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'AccessionNumber',
  'StudyDescription',
];
const SERIES = ['SeriesInstanceUID', 'Modality', 'SeriesNumber', 'SeriesDescription', 'BodyPartExamined'];
const INSTANCE = ['SOPClassUID', 'SOPInstanceUID', 'InstanceNumber', 'Rows', 'Columns'];

/** What a search returns unless `includefield` asks for more (PS3.18 Table 10.6.3-3 to -5, what Osteon indexes). */
const DEFAULT_FIELDS: Readonly<Record<QidoLevel, readonly string[]>> = {
  STUDY: [...PATIENT_STUDY, 'ModalitiesInStudy', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances'],
  SERIES: [...SERIES, 'NumberOfSeriesRelatedInstances'],
  IMAGE: INSTANCE,
};
/** Searches across studies (`/series`, `/instances`) also say which study (and series) each answer is in. */
const CONTEXT_FIELDS: Readonly<Record<QidoLevel, readonly string[]>> = {
  STUDY: [],
  SERIES: PATIENT_STUDY,
  IMAGE: [...PATIENT_STUDY, ...SERIES],
};
const ALL_FIELDS: Readonly<Record<QidoLevel, readonly string[]>> = {
  STUDY: [...DEFAULT_FIELDS.STUDY, 'SOPClassesInStudy'],
  SERIES: [...PATIENT_STUDY, ...DEFAULT_FIELDS.SERIES],
  IMAGE: [...PATIENT_STUDY, ...SERIES, ...INSTANCE],
};

export interface QidoResult {
  readonly matches: JsonDataset[];
  /** PS3.18 8.3.4.3 Warning texts (ignored keys, more results than returned). */
  readonly warnings: string[];
}

/** QIDO-RS: the dicom module's C-FIND matching, answered in DICOM JSON with paging. */
@Injectable()
export class QidoService {
  constructor(
    private readonly query: QueryService,
    private readonly instances: InstanceRepository,
  ) {}

  async search(query: QidoQuery, urls: DicomwebUrls, scoped: { study?: string; series?: string } = {}): Promise<QidoResult> {
    await this.requireScope(scoped);
    const parsed = parseQuery({ QueryRetrieveLevel: query.level, ...query.identifier });
    const matched = await this.query.match(query.level, parsed.matchers, MAX_MATCHED);
    const sorted = [...matched].sort(ORDER[query.level]);
    const page = sorted.slice(query.offset, query.offset + query.limit);
    const warnings: string[] = [];
    if (query.unsupportedKeys.length > 0)
      warnings.push(`The following attributes were not supported for matching: ${query.unsupportedKeys.join(', ')}`);
    if (query.fuzzyMatching) warnings.push('The fuzzymatching parameter is not supported. Only literal matching has been performed.');
    if (sorted.length > query.offset + query.limit)
      warnings.push('The number of results exceeded the maximum supported by the server. Additional results can be requested.');
    const fields = this.fieldsFor(query, Object.keys(query.identifier), scoped);
    return { matches: page.map((entity) => this.answer(query.level, entity, fields, urls)), warnings };
  }

  private async requireScope(scoped: { study?: string; series?: string }): Promise<void> {
    if (scoped.study === undefined) return;
    const served = await this.instances.findServed({ studyInstanceUid: scoped.study, seriesInstanceUid: scoped.series });
    if (served.length > 0) return;
    if (scoped.series === undefined) throw new DicomwebException(DicomwebErrorCode.StudyNotFound, `study ${scoped.study} is not known`);
    throw new DicomwebException(DicomwebErrorCode.SeriesNotFound, `series ${scoped.series} of study ${scoped.study} is not known`);
  }

  private fieldsFor(query: QidoQuery, matchingKeys: readonly string[], scoped: { study?: string; series?: string }): string[] {
    const fields = new Set([...DEFAULT_FIELDS[query.level], ...matchingKeys]);
    if (scoped.study === undefined) CONTEXT_FIELDS[query.level].forEach((field) => fields.add(field));
    // `/studies/{study}/instances` answers say which series each instance is in (PS3.18 10.6.3.3.3).
    if (query.level === 'IMAGE' && scoped.series === undefined) SERIES.forEach((field) => fields.add(field));
    const asked = query.includeFields === 'all' ? ALL_FIELDS[query.level] : query.includeFields;
    asked.forEach((field) => fields.add(field));
    return [...fields];
  }

  private answer(level: QidoLevel, entity: MatchedEntity, fields: readonly string[], urls: DicomwebUrls): JsonDataset {
    const { values } = entity;
    const plain: Record<string, string | readonly string[] | undefined> = {};
    for (const field of fields) if (field in values) plain[field] = values[field];
    const answer = datasetOf(plain);
    const [urlTag, urlElement] = retrieveUrl(level, values, urls);
    answer[urlTag] = urlElement;
    answer[attribute('InstanceAvailability').tag] = { vr: 'CS', Value: ['ONLINE'] };
    if (Object.values(plain).some((value) => /[^\x20-\x7e]/.test(String(value ?? '')))) {
      answer[attribute('SpecificCharacterSet').tag] = { vr: 'CS', Value: ['ISO_IR 192'] };
    }
    return Object.fromEntries(Object.entries(answer).sort(([a], [b]) => a.localeCompare(b)));
  }
}

function retrieveUrl(level: QidoLevel, values: Values, urls: DicomwebUrls): [string, { vr: string; Value: string[] }] {
  const study = String(values.StudyInstanceUID);
  const url =
    level === 'STUDY'
      ? urls.study(study)
      : level === 'SERIES'
        ? urls.series(study, String(values.SeriesInstanceUID))
        : urls.instance(study, String(values.SeriesInstanceUID), String(values.SOPInstanceUID));
  return [attribute('RetrieveURL').tag, { vr: 'UR', Value: [url] }];
}

const text = (values: Values, key: string): string => String(values[key] ?? '');
const number = (values: Values, key: string): number => Number.parseInt(text(values, key), 10) || 0;

/** A stable order, so offset paging neither repeats nor skips: newest studies first, series and instances by number. */
const ORDER: Readonly<Record<QidoLevel, (a: MatchedEntity, b: MatchedEntity) => number>> = {
  STUDY: (a, b) =>
    text(b.values, 'StudyDate').localeCompare(text(a.values, 'StudyDate')) ||
    text(b.values, 'StudyTime').localeCompare(text(a.values, 'StudyTime')) ||
    text(a.values, 'StudyInstanceUID').localeCompare(text(b.values, 'StudyInstanceUID')),
  SERIES: (a, b) =>
    text(a.values, 'StudyInstanceUID').localeCompare(text(b.values, 'StudyInstanceUID')) ||
    number(a.values, 'SeriesNumber') - number(b.values, 'SeriesNumber') ||
    text(a.values, 'SeriesInstanceUID').localeCompare(text(b.values, 'SeriesInstanceUID')),
  IMAGE: (a, b) =>
    text(a.values, 'SeriesInstanceUID').localeCompare(text(b.values, 'SeriesInstanceUID')) ||
    number(a.values, 'InstanceNumber') - number(b.values, 'InstanceNumber') ||
    text(a.values, 'SOPInstanceUID').localeCompare(text(b.values, 'SOPInstanceUID')),
};
