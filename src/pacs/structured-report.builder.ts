import { OSTEON_IMPLEMENTATION_CLASS_UID } from '../imaging/dicom-file.constants';
import type { ImageFindings, StudyFindings } from '../reports/findings';
import type { Report } from '../reports/report';
import { compositeContextOf } from './composite-context';
import { dicomPersonName, dicomSignerText } from '../reports/signer-name';
import { dicomDate, dicomDateTime, dicomTime, OSTEON_SCHEME } from './dicom-values';
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
  RESULT_SOURCES,
  scoordItem,
  textItem,
  uidItem,
  URGENCY_CODES,
  type ContentItem,
  type InstanceReference,
} from './sr-content';

export const COMPREHENSIVE_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
export const SR_SERIES_DESCRIPTION = 'Osteon AI report';
export const SR_SERIES_NUMBER = 9902;
/** The device observer of an AI draft: what a viewer shows as the author until a doctor signs. */
export const UNVERIFIED_OBSERVER_NAME = 'AI, not verified';
export const ALGORITHM_NAME = 'Osteon fracture triage';

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
 * A TID 1500 Measurement Report (IHE AI Results): observer context naming the AI (as "AI, not
 * verified" until a doctor signs), an image library, and per image where the model suspects a
 * fracture a TID 1501 measurement group: the finding (SNOMED CT), its site, the algorithm, and
 * the probability (%) as a NUM inferred from an Image Region POINT (the top box's centre when the
 * model has a box head, else the heat-map peak; the box as a closed POLYLINE in a group of its
 * own) selected from the original. The study-level verdict (the
 * doctor's once reviewed) is under Qualitative Evaluations. Viewers that read TID 1500 (OHIF)
 * draw the marks and list them as measurements.
 */
export function buildStructuredReport(input: StructuredReportInput): Record<string, unknown> {
  const { report, createdAt } = input;
  // The PACS channel settles a report without AI findings (pacs-delivery.service.ts): never built.
  const ai = report.findings;
  if (!ai) throw new Error(`report ${report.id} has no AI findings to put in a structured report`);
  const context = compositeContextOf(input.original);
  const reviewed = report.review !== undefined && (report.status === 'final' || report.status === 'amended');
  const root = container(undefined, Concepts.measurementReport, [
    codeItem('HAS CONCEPT MOD', Concepts.language, Concepts.english),
    ...observerContext(report, reviewed),
    codeItem('HAS CONCEPT MOD', Concepts.procedureReported, Concepts.plainRadiography),
    container('CONTAINS', Concepts.imageLibrary, [
      container(
        'CONTAINS',
        Concepts.imageLibraryGroup,
        input.sources.map((source) => imageItem('CONTAINS', undefined, source)),
      ),
    ]),
    ...imagingMeasurements(input),
    qualitativeEvaluations(report, ai, reviewed),
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
    ManufacturerModelName: ALGORITHM_NAME,
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
              VerifyingObserverName: dicomPersonName(report.review.by),
              // The login identifies the signer; the name above is what viewers show.
              VerifyingObserverIdentificationCodeSequence: [
                {
                  ...codeValueOf(report.review.by.username),
                  CodingSchemeDesignator: OSTEON_SCHEME,
                  CodeMeaning: dicomSignerText(report.review.by),
                },
              ],
              VerifyingOrganization: 'Osteon',
              VerificationDateTime: dicomDateTime(report.review.at),
            },
          ],
        }
      : {}),
    ...(input.predecessor ? { PredecessorDocumentsSequence: hierarchicalReferences(studyInstanceUid, [input.predecessor]) } : {}),
    CurrentRequestedProcedureEvidenceSequence: hierarchicalReferences(studyInstanceUid, input.sources),
    PerformedProcedureCodeSequence: [],
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ...root,
  };
}

/** TID 1002: the AI as device observer (named "AI, not verified" on a draft), and the doctor once signed. */
function observerContext(report: Report, reviewed: boolean): ContentItem[] {
  const items: ContentItem[] = [
    codeItem('HAS OBS CONTEXT', Concepts.observerType, Concepts.device),
    uidItem('HAS OBS CONTEXT', Concepts.deviceObserverUid, OSTEON_IMPLEMENTATION_CLASS_UID),
    textItem('HAS OBS CONTEXT', Concepts.deviceObserverName, reviewed ? ALGORITHM_NAME : UNVERIFIED_OBSERVER_NAME),
    textItem('HAS OBS CONTEXT', Concepts.deviceObserverManufacturer, 'Osteon'),
    textItem('HAS OBS CONTEXT', Concepts.deviceObserverModelName, `${ALGORITHM_NAME} ${report.modelVersion}`),
  ];
  if (reviewed && report.review) {
    items.push(
      codeItem('HAS OBS CONTEXT', Concepts.observerType, Concepts.person),
      personItem('HAS OBS CONTEXT', Concepts.personObserverName, dicomPersonName(report.review.by)),
    );
  }
  return items;
}

/**
 * Tracking identifiers: Cornerstone3D's tool names lead (an arrow for the point, a rectangle for
 * the box), so OHIF loads the marks as its own measurements (listed, navigable) instead of a
 * read-only overlay; the words after them say what the mark is.
 */
const POINT_TRACKING = 'Cornerstone3DTools@^0.1.0:ArrowAnnotate';
const BOX_TRACKING = 'Cornerstone3DTools@^0.1.0:RectangleROI';

/** One TID 1501 group per region the model marks on an image it suspects; none for images it clears. */
function imagingMeasurements(input: StructuredReportInput): ContentItem[] {
  const groups: ContentItem[] = [];
  input.sources.forEach((source, index) => {
    const { findings } = source;
    const where = findings.box ? { x: (findings.box.x0 + findings.box.x1) / 2, y: (findings.box.y0 + findings.box.y1) / 2 } : findings.peak;
    if (!findings.fracture || !where) return;
    const label = `AI fracture suspicion, image ${index + 1}`;
    const point = [where.x * source.columns, where.y * source.rows];
    groups.push(
      regionGroup(
        input,
        source,
        `${POINT_TRACKING}:${label}`,
        `${input.sopInstanceUid}.${2 * index + 1}`,
        scoordItem('INFERRED FROM', Concepts.imageRegion, 'POINT', point, source),
      ),
    );
    if (findings.box) {
      const { x0, y0, x1, y1 } = findings.box;
      const [left, right, top, bottom] = [x0 * source.columns, x1 * source.columns, y0 * source.rows, y1 * source.rows];
      const outline = [left, top, right, top, right, bottom, left, bottom, left, top];
      groups.push(
        regionGroup(
          input,
          source,
          `${BOX_TRACKING}:${label} (region)`,
          `${input.sopInstanceUid}.${2 * index + 2}`,
          scoordItem('INFERRED FROM', Concepts.imageRegion, 'POLYLINE', outline, source),
        ),
      );
    }
  });
  return groups.length > 0 ? [container('CONTAINS', Concepts.imagingMeasurements, groups)] : [];
}

function regionGroup(
  input: StructuredReportInput,
  source: SourceReference,
  label: string,
  trackingUid: string,
  region: ContentItem,
): ContentItem {
  const { findings } = source;
  return container('CONTAINS', Concepts.measurementGroup, [
    textItem('HAS OBS CONTEXT', Concepts.trackingIdentifier, label),
    uidItem('HAS OBS CONTEXT', Concepts.trackingUid, trackingUid),
    codeItem('HAS CONCEPT MOD', Concepts.finding, Concepts.fracture),
    codeItem('HAS CONCEPT MOD', Concepts.findingSite, BODY_PART_CODES[findings.bodyPart]),
    textItem('HAS CONCEPT MOD', Concepts.algorithmName, ALGORITHM_NAME),
    textItem('HAS CONCEPT MOD', Concepts.algorithmVersion, input.report.modelVersion),
    // The probability is measured on the marked region (TID 300 "inferred from"), as OHIF's SR reader expects.
    numItem('CONTAINS', Concepts.probability, Number((findings.fractureProbability * 100).toFixed(1)), Concepts.percent, [region]),
  ]);
}

/** The study's verdict (the doctor's once reviewed, else the AI's), and where it came from. */
function qualitativeEvaluations(report: Report, ai: StudyFindings, reviewed: boolean): ContentItem {
  const verdict = reviewed && report.review ? report.review.verdict : { ...ai, conclusion: undefined };
  const resultSource = !reviewed ? RESULT_SOURCES.aiDraft : report.status === 'final' ? RESULT_SOURCES.confirmed : RESULT_SOURCES.amended;
  return container('CONTAINS', Concepts.qualitativeEvaluations, [
    codeItem('CONTAINS', Concepts.resultSource, resultSource),
    codeItem('CONTAINS', Concepts.fracture, verdict.fracture ? Concepts.present : Concepts.absent, [
      codeItem('HAS PROPERTIES', Concepts.findingSite, BODY_PART_CODES[verdict.bodyPart]),
    ]),
    codeItem('CONTAINS', Concepts.countClass, COUNT_CLASS_CODES[verdict.countClass]),
    codeItem('CONTAINS', Concepts.urgency, URGENCY_CODES[report.urgency]),
    ...(verdict.conclusion ? [textItem('CONTAINS', Concepts.impression, verdict.conclusion)] : []),
  ]);
}

/** A code value of up to 16 characters is CodeValue (SH); a longer one (a user name of up to 64) LongCodeValue (UC). */
function codeValueOf(value: string): { CodeValue: string } | { LongCodeValue: string } {
  return value.length <= 16 ? { CodeValue: value } : { LongCodeValue: value };
}
