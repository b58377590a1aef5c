import { OSTEON_IMPLEMENTATION_CLASS_UID } from '../imaging/dicom-file.constants';
import type { ImageFindings } from '../reports/findings';
import type { Report } from '../reports/report';
import { compositeContextOf } from './composite-context';
import { dicomDate, dicomDateTime, dicomTime } from './dicom-values';
import {
  BODY_PART_CODES,
  codeItem,
  container,
  Concepts,
  COUNT_CLASS_CODES,
  hierarchicalReferences,
  imageItem,
  numItem,
  personItem,
  pointItem,
  RESULT_SOURCES,
  textItem,
  uidItem,
  URGENCY_CODES,
  type ContentItem,
  type InstanceReference,
} from './sr-content';

export const COMPREHENSIVE_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
export const SR_SERIES_DESCRIPTION = 'Osteon AI report';
export const SR_SERIES_NUMBER = 9902;

/** One analysed original as the SR references it. */
export interface SourceReference extends InstanceReference {
  readonly rows: number;
  readonly columns: number;
  readonly findings: ImageFindings;
}

export interface StructuredReportInput {
  readonly report: Report;
  /** The first original's attributes: patient and study are copied from it. */
  readonly original: Readonly<Record<string, unknown>>;
  readonly sources: readonly SourceReference[];
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly instanceNumber: number;
  /** The SR this one replaces (an earlier version of the same report). */
  readonly predecessor: InstanceReference | undefined;
  readonly createdAt: Date;
}

/**
 * Comprehensive SR (no standard template: TID 1500 measures regions, not a triage call): the
 * current verdict under Findings (the doctor's once reviewed), the AI's own findings beside
 * it with probability, model version, and per image the source reference and heat-map peak.
 * An AI draft is PARTIAL/UNVERIFIED; a signed report COMPLETE/VERIFIED by the doctor.
 */
export function buildStructuredReport(input: StructuredReportInput): Record<string, unknown> {
  const { report, createdAt } = input;
  // The PACS channel settles a report without AI findings (pacs-delivery.service.ts): never built.
  const ai = report.findings;
  if (!ai) throw new Error(`report ${report.id} has no AI findings to put in a structured report`);
  const context = compositeContextOf(input.original);
  const reviewed = report.review !== undefined && (report.status === 'final' || report.status === 'amended');
  const verdict = reviewed && report.review ? report.review.verdict : { ...ai, conclusion: undefined };
  const resultSource = !reviewed ? RESULT_SOURCES.aiDraft : report.status === 'final' ? RESULT_SOURCES.confirmed : RESULT_SOURCES.amended;
  const observers: ContentItem[] = [
    codeItem('HAS OBS CONTEXT', Concepts.observerType, Concepts.device),
    uidItem('HAS OBS CONTEXT', Concepts.deviceObserverUid, OSTEON_IMPLEMENTATION_CLASS_UID),
    textItem('HAS OBS CONTEXT', Concepts.deviceObserverName, 'Osteon'),
  ];
  if (reviewed && report.review) {
    observers.push(
      codeItem('HAS OBS CONTEXT', Concepts.observerType, Concepts.person),
      personItem('HAS OBS CONTEXT', Concepts.personObserverName, report.review.by.username),
    );
  }
  const findings = container('CONTAINS', Concepts.findings, [
    codeItem('CONTAINS', Concepts.fracture, verdict.fracture ? Concepts.present : Concepts.absent, [
      codeItem('HAS PROPERTIES', Concepts.findingSite, BODY_PART_CODES[verdict.bodyPart]),
    ]),
    codeItem('CONTAINS', Concepts.countClass, COUNT_CLASS_CODES[verdict.countClass]),
    codeItem('CONTAINS', Concepts.urgency, URGENCY_CODES[report.urgency]),
    ...(verdict.conclusion ? [textItem('CONTAINS', Concepts.impression, verdict.conclusion)] : []),
  ]);
  const aiFindings = container('CONTAINS', Concepts.aiFindings, [
    textItem('CONTAINS', Concepts.algorithmName, 'Osteon fracture triage'),
    textItem('CONTAINS', Concepts.algorithmVersion, report.modelVersion),
    codeItem('CONTAINS', Concepts.fracture, ai.fracture ? Concepts.present : Concepts.absent, [
      codeItem('HAS PROPERTIES', Concepts.findingSite, BODY_PART_CODES[ai.bodyPart]),
    ]),
    numItem('CONTAINS', Concepts.probability, ai.probability, Concepts.noUnits),
    codeItem('CONTAINS', Concepts.countClass, COUNT_CLASS_CODES[ai.countClass]),
    codeItem('CONTAINS', Concepts.urgency, URGENCY_CODES[ai.urgency]),
    ...input.sources.map(imageFinding),
  ]);
  const root = container(undefined, Concepts.report, [
    ...observers,
    codeItem('CONTAINS', Concepts.resultSource, resultSource),
    findings,
    aiFindings,
  ]);
  const studyInstanceUid = context.StudyInstanceUID as string;
  return {
    ...context,
    SOPClassUID: COMPREHENSIVE_SR_SOP_CLASS,
    SOPInstanceUID: input.sopInstanceUid,
    InstanceCreationDate: dicomDate(createdAt),
    InstanceCreationTime: dicomTime(createdAt),
    Modality: 'SR',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: SR_SERIES_NUMBER,
    SeriesDescription: SR_SERIES_DESCRIPTION,
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Osteon',
    ManufacturerModelName: 'Osteon fracture triage',
    SoftwareVersions: report.modelVersion,
    InstanceNumber: input.instanceNumber,
    ContentDate: dicomDate(createdAt),
    ContentTime: dicomTime(createdAt),
    CompletionFlag: reviewed ? 'COMPLETE' : 'PARTIAL',
    VerificationFlag: reviewed ? 'VERIFIED' : 'UNVERIFIED',
    ...(reviewed && report.review
      ? {
          VerifyingObserverSequence: [
            {
              VerifyingObserverName: report.review.by.username,
              VerifyingObserverIdentificationCodeSequence: [],
              VerifyingOrganization: 'Osteon',
              VerificationDateTime: dicomDateTime(report.review.at),
            },
          ],
        }
      : {}),
    ...(input.predecessor ? { PredecessorDocumentsSequence: hierarchicalReferences(studyInstanceUid, [input.predecessor]) } : {}),
    CurrentRequestedProcedureEvidenceSequence: hierarchicalReferences(studyInstanceUid, input.sources),
    PerformedProcedureCodeSequence: [],
    ...root,
  };
}

function imageFinding(source: SourceReference): ContentItem {
  const { findings } = source;
  return container('CONTAINS', Concepts.imageFinding, [
    imageItem('CONTAINS', Concepts.source, source),
    codeItem('CONTAINS', Concepts.fracture, findings.fracture ? Concepts.present : Concepts.absent),
    numItem('CONTAINS', Concepts.probability, findings.fractureProbability, Concepts.noUnits),
    ...(findings.peak
      ? [pointItem('CONTAINS', Concepts.heatmapPeak, findings.peak.x * source.columns, findings.peak.y * source.rows, source)]
      : []),
  ]);
}
