import type { BodyPart, CountClass, Urgency } from '../reports/findings';
import { code, OSTEON_SCHEME, type CodedConcept } from './dicom-values';

/** Content items of an SR tree (PS3.3 C.17.3), as dcmjs naturalised sequence items. */
export type ContentItem = Record<string, unknown>;
export type Relationship = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS PROPERTIES' | 'HAS CONCEPT MOD' | 'SELECTED FROM' | 'INFERRED FROM';

/** A SOP instance an SR item points at. */
export interface InstanceReference {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
}

export const Concepts = {
  measurementReport: code('126000', 'DCM', 'Imaging Measurement Report'),
  language: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  english: code('en-US', 'RFC5646', 'English (United States)'),
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  plainRadiography: code('168537006', 'SCT', 'Plain radiography'),
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: code('112040', 'DCM', 'Tracking Unique Identifier'),
  finding: code('121071', 'DCM', 'Finding'),
  imageRegion: code('111030', 'DCM', 'Image Region'),
  qualitativeEvaluations: code('C0034375', 'UMLS', 'Qualitative Evaluations'),
  deviceObserverManufacturer: code('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', 'DCM', 'Device Observer Model Name'),
  report: code('18748-4', 'LN', 'Diagnostic imaging report'),
  observerType: code('121005', 'DCM', 'Observer Type'),
  device: code('121007', 'DCM', 'Device'),
  person: code('121006', 'DCM', 'Person'),
  deviceObserverUid: code('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: code('121013', 'DCM', 'Device Observer Name'),
  personObserverName: code('121008', 'DCM', 'Person Observer Name'),
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  findings: code('121070', 'DCM', 'Findings'),
  impression: code('121073', 'DCM', 'Impression'),
  fracture: code('125605004', 'SCT', 'Fracture of bone'),
  present: code('52101004', 'SCT', 'Present'),
  absent: code('2667000', 'SCT', 'Absent'),
  findingSite: code('363698007', 'SCT', 'Finding site'),
  source: code('260753009', 'SCT', 'Source'),
  noUnits: code('1', 'UCUM', 'no units'),
  percent: code('%', 'UCUM', 'percent'),
  resultSource: code('result-source', OSTEON_SCHEME, 'Result source'),
  aiFindings: code('ai-findings', OSTEON_SCHEME, 'AI findings'),
  imageFinding: code('image-finding', OSTEON_SCHEME, 'Image finding'),
  probability: code('fracture-probability', OSTEON_SCHEME, 'Fracture probability'),
  countClass: code('fracture-count', OSTEON_SCHEME, 'Number of fractures'),
  urgency: code('triage-urgency', OSTEON_SCHEME, 'Triage urgency'),
  heatmapPeak: code('heatmap-peak', OSTEON_SCHEME, 'Heat map peak'),
} as const;

export const RESULT_SOURCES = {
  aiDraft: code('ai-draft', OSTEON_SCHEME, 'AI draft, not reviewed by a doctor'),
  confirmed: code('doctor-confirmed', OSTEON_SCHEME, 'Doctor confirmed the AI draft'),
  amended: code('doctor-amended', OSTEON_SCHEME, 'Doctor amended the AI draft'),
} as const;

export const BODY_PART_CODES: Record<BodyPart, CodedConcept> = {
  hand: code('85562004', 'SCT', 'Hand structure'),
  leg: code('61685007', 'SCT', 'Lower limb structure'),
  hip: code('29836001', 'SCT', 'Hip region structure'),
  shoulder: code('16982005', 'SCT', 'Shoulder region structure'),
};

export const COUNT_CLASS_CODES: Record<CountClass, CodedConcept> = {
  '0': code('count-0', OSTEON_SCHEME, 'No fracture'),
  '1': code('count-1', OSTEON_SCHEME, 'One fracture'),
  '2+': code('count-2+', OSTEON_SCHEME, 'Two or more fractures'),
};

export const URGENCY_CODES: Record<Urgency, CodedConcept> = {
  urgent: code('urgent', OSTEON_SCHEME, 'Urgent'),
  soon: code('soon', OSTEON_SCHEME, 'Soon'),
  routine: code('routine', OSTEON_SCHEME, 'Routine'),
};

function item(
  relationship: Relationship | undefined,
  valueType: string,
  concept: CodedConcept | undefined,
  rest: ContentItem,
): ContentItem {
  return {
    ...(relationship ? { RelationshipType: relationship } : {}),
    ValueType: valueType,
    ...(concept ? { ConceptNameCodeSequence: [concept] } : {}),
    ...rest,
  };
}

export function container(relationship: Relationship | undefined, concept: CodedConcept, children: readonly ContentItem[]): ContentItem {
  return item(relationship, 'CONTAINER', concept, { ContinuityOfContent: 'SEPARATE', ContentSequence: [...children] });
}

export function codeItem(
  relationship: Relationship,
  concept: CodedConcept,
  value: CodedConcept,
  children: readonly ContentItem[] = [],
): ContentItem {
  return item(relationship, 'CODE', concept, {
    ConceptCodeSequence: [value],
    ...(children.length > 0 ? { ContentSequence: [...children] } : {}),
  });
}

export function textItem(relationship: Relationship, concept: CodedConcept, text: string): ContentItem {
  return item(relationship, 'TEXT', concept, { TextValue: text });
}

export function uidItem(relationship: Relationship, concept: CodedConcept, uid: string): ContentItem {
  return item(relationship, 'UIDREF', concept, { UID: uid });
}

export function personItem(relationship: Relationship, concept: CodedConcept, name: string): ContentItem {
  return item(relationship, 'PNAME', concept, { PersonName: name });
}

export function numItem(
  relationship: Relationship,
  concept: CodedConcept,
  value: number,
  units: CodedConcept,
  children: readonly ContentItem[] = [],
): ContentItem {
  return item(relationship, 'NUM', concept, {
    MeasuredValueSequence: [{ NumericValue: Number(value.toFixed(4)), MeasurementUnitsCodeSequence: [units] }],
    ...(children.length > 0 ? { ContentSequence: [...children] } : {}),
  });
}

export function imageItem(relationship: Relationship, concept: CodedConcept | undefined, reference: InstanceReference): ContentItem {
  return item(relationship, 'IMAGE', concept, {
    ReferencedSOPSequence: [{ ReferencedSOPClassUID: reference.sopClassUid, ReferencedSOPInstanceUID: reference.sopInstanceUid }],
  });
}

export function compositeItem(relationship: Relationship, concept: CodedConcept | undefined, reference: InstanceReference): ContentItem {
  return item(relationship, 'COMPOSITE', concept, {
    ReferencedSOPSequence: [{ ReferencedSOPClassUID: reference.sopClassUid, ReferencedSOPInstanceUID: reference.sopInstanceUid }],
  });
}

/** A point in the image's pixel space (column, row), with the image it was selected from. */
export function pointItem(
  relationship: Relationship,
  concept: CodedConcept,
  column: number,
  row: number,
  image: InstanceReference,
): ContentItem {
  return scoordItem(relationship, concept, 'POINT', [column, row], image);
}

/** A spatial coordinate in the image's pixel space (PS3.3 C.18.6): POINT, or a POLYLINE closed by repeating its first point. */
export function scoordItem(
  relationship: Relationship,
  concept: CodedConcept,
  graphicType: 'POINT' | 'POLYLINE',
  points: readonly number[],
  image: InstanceReference,
): ContentItem {
  return item(relationship, 'SCOORD', concept, {
    GraphicType: graphicType,
    GraphicData: points.map((value) => Number(value.toFixed(1))),
    ContentSequence: [imageItem('SELECTED FROM', undefined, image)],
  });
}

/** Evidence sequences group references by series (PS3.3 C.17.2.3). */
export function hierarchicalReferences(studyInstanceUid: string, references: readonly InstanceReference[]): ContentItem[] {
  const bySeries = new Map<string, InstanceReference[]>();
  for (const reference of references)
    bySeries.set(reference.seriesInstanceUid, [...(bySeries.get(reference.seriesInstanceUid) ?? []), reference]);
  if (bySeries.size === 0) return [];
  return [
    {
      StudyInstanceUID: studyInstanceUid,
      ReferencedSeriesSequence: [...bySeries.entries()].map(([seriesInstanceUid, instances]) => ({
        SeriesInstanceUID: seriesInstanceUid,
        ReferencedSOPSequence: instances.map((instance) => ({
          ReferencedSOPClassUID: instance.sopClassUid,
          ReferencedSOPInstanceUID: instance.sopInstanceUid,
        })),
      })),
    },
  ];
}
