import type * as R4 from 'fhir/r4';
import type { BodyPart, CountClass, StudyFindings } from '../reports/findings';
import type { Report } from '../reports/report';
import { reportKey } from '../reports/report-identity';
import { signerName } from '../reports/signer-name';
import { FhirErrorCode, FhirException } from './fhir.exception';
import {
  BODY_SITES,
  countQuantity,
  DICOM_MODALITY,
  DICOM_UID_SYSTEM,
  FRACTURE_OF_BONE,
  NO_ABNORMALITY,
  OBSERVATION_CATEGORY,
  osteonSystem,
  REPORT_CODE,
  UCUM,
  URGENCY_DISPLAY,
  V2_0074,
  type OsteonCode,
} from './fhir-codes';

/** The resources one report becomes, by slot; the slot names key the stored server ids. */
export const SLOTS = ['patient', 'device', 'imagingStudy', 'fracture', 'count', 'bodySite', 'urgency', 'report'] as const;
export type Slot = (typeof SLOTS)[number];
/** What Osteon owns and updates; Patient and Device are only ever created if absent. */
export const OWNED_SLOTS: readonly Slot[] = ['imagingStudy', 'fracture', 'count', 'bodySite', 'urgency', 'report'];

export interface SeriesInfo {
  readonly seriesInstanceUid: string;
  readonly modality: string | undefined;
  readonly bodyPartExamined: string | undefined;
  readonly instances: ReadonlyArray<{
    readonly sopInstanceUid: string;
    readonly sopClassUid: string;
    readonly instanceNumber: number | undefined;
  }>;
}

export interface FhirSite {
  readonly system: string;
  readonly patientIdSystem: string;
}

export interface PlannedResource {
  readonly slot: Slot;
  readonly resource: R4.FhirResource;
  /** The identifier search that finds it again: `identifier=system|value`. */
  readonly identifierQuery: string;
}

export const PROFILE_BASE = 'https://osteon.dev/fhir/StructureDefinition/';

/** Resolves a slot to the reference another resource uses for it. */
export type ReferenceOf = (slot: Slot) => string;

function query(system: string, value: string): string {
  return `identifier=${encodeURIComponent(system)}|${encodeURIComponent(value)}`;
}

function patientName(dicomName: string | undefined): R4.HumanName[] | undefined {
  if (!dicomName) return undefined;
  const [family, given, middle] = dicomName.split('^');
  const givens = [given, middle].filter((part): part is string => !!part);
  return [{ use: 'official', ...(family ? { family } : {}), ...(givens.length ? { given: givens } : {}) }];
}

function birthDate(dicomDate: string | undefined): string | undefined {
  const digits = dicomDate?.replace(/-/g, '');
  return digits && /^\d{8}$/.test(digits) ? `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}` : undefined;
}

const GENDERS: Readonly<Record<string, R4.Patient['gender']>> = { M: 'male', F: 'female', O: 'other' };

function gender(sex: string | undefined): R4.Patient['gender'] {
  return sex ? GENDERS[sex.toUpperCase()] : undefined;
}

/** What the report says now: the doctor's verdict once reviewed, else the AI draft. */
export function currentVerdict(report: Report): {
  fracture: boolean;
  countClass: CountClass;
  bodyPart: BodyPart;
  conclusion: string;
} {
  const verdict = report.review?.verdict;
  const ai = report.findings;
  if (!verdict && !ai) {
    throw new FhirException(FhirErrorCode.NotAvailable, `report ${report.id} has no AI finding and no doctor's verdict yet`);
  }
  const fracture = verdict?.fracture ?? (ai as StudyFindings).fracture;
  const countClass = verdict?.countClass ?? (ai as StudyFindings).countClass;
  const bodyPart = verdict?.bodyPart ?? (ai as StudyFindings).bodyPart;
  const conclusion =
    verdict?.conclusion ??
    (verdict
      ? `${fracture ? 'Fracture' : 'No fracture'} (${bodyPart}${fracture ? `, ${countClass} fracture(s)` : ''}), confirmed by a doctor.`
      : `AI draft (model ${report.modelVersion}): ${fracture ? 'fracture suspected' : 'no fracture seen'} in the ${bodyPart}, fracture probability ${(ai as StudyFindings).probability.toFixed(2)}${fracture ? `, ${countClass} fracture(s)` : ''}. Not yet reviewed by a doctor.`);
  return { fracture, countClass, bodyPart, conclusion };
}

/** Builds every resource for a report; references go through `ref` (urn:uuid or Type/id). */
export function buildResources(report: Report, series: readonly SeriesInfo[], site: FhirSite, ref: ReferenceOf): PlannedResource[] {
  const status = report.status;
  const verdict = currentVerdict(report);
  const code = (name: OsteonCode, display: string): R4.CodeableConcept => ({
    coding: [{ system: osteonSystem(site.system, 'code'), code: name, display }],
    text: display,
  });
  const observationId = (name: string): R4.Identifier => ({
    system: osteonSystem(site.system, 'observation'),
    value: `${reportKey(report)}-${name}`,
  });
  const observationBase = (slot: Slot, name: string): Omit<R4.Observation, 'code'> => ({
    resourceType: 'Observation',
    meta: { profile: [`${PROFILE_BASE}osteon-${slot === 'fracture' ? 'fracture' : 'finding'}-observation`] },
    identifier: [observationId(name)],
    status,
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'imaging', display: 'Imaging' }] }],
    subject: { reference: ref('patient') },
    effectiveDateTime: report.firstReceivedAt.toISOString(),
    issued: (report.finalAt ?? report.analysedAt).toISOString(),
    device: { reference: ref('device') },
    derivedFrom: [{ reference: ref('imagingStudy') }],
  });

  const patientIdentifier: R4.Identifier = report.patient.patientId
    ? { system: site.patientIdSystem, value: report.patient.patientId }
    : { system: osteonSystem(site.system, 'patient-without-id'), value: report.studyInstanceUid };
  const patient: R4.Patient = {
    resourceType: 'Patient',
    identifier: [patientIdentifier],
    name: patientName(report.patient.name),
    birthDate: birthDate(report.patient.birthDate),
    gender: gender(report.patient.sex),
  };

  const modelSystem = osteonSystem(site.system, 'model');
  const device: R4.Device = {
    resourceType: 'Device',
    meta: { profile: [`${PROFILE_BASE}osteon-model-device`] },
    identifier: [{ system: modelSystem, value: report.modelVersion }],
    deviceName: [{ name: 'Osteon fracture detection model', type: 'model-name' }],
    version: [{ value: report.modelVersion }],
    status: 'active',
  };

  const sopUids = new Set(report.images.map((image) => image.sopInstanceUid));
  const imagingStudy: R4.ImagingStudy = {
    resourceType: 'ImagingStudy',
    meta: { profile: [`${PROFILE_BASE}osteon-imaging-study`] },
    identifier: [{ system: DICOM_UID_SYSTEM, value: `urn:oid:${report.studyInstanceUid}` }],
    status: status === 'entered-in-error' ? 'entered-in-error' : 'available',
    subject: { reference: ref('patient') },
    started: report.firstReceivedAt.toISOString(),
    numberOfSeries: series.length,
    numberOfInstances: series.reduce(
      (sum, one) => sum + one.instances.filter((instance) => sopUids.has(instance.sopInstanceUid)).length,
      0,
    ),
    series: series.map((one) => ({
      uid: one.seriesInstanceUid,
      modality: { system: DICOM_MODALITY, code: one.modality ?? 'DX' },
      bodySite: { ...BODY_SITES[verdict.bodyPart] },
      numberOfInstances: one.instances.length,
      instance: one.instances.map((instance) => ({
        uid: instance.sopInstanceUid,
        sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${instance.sopClassUid}` },
        ...(instance.instanceNumber !== undefined ? { number: instance.instanceNumber } : {}),
      })),
    })),
  };
  if (report.accessionNumber)
    imagingStudy.identifier?.push({
      type: { coding: [{ system: V2_0074.replace('0074', '0203'), code: 'ACSN' }] },
      value: report.accessionNumber,
    });

  const fracture: R4.Observation = {
    ...observationBase('fracture', 'fracture'),
    code: { coding: [{ ...FRACTURE_OF_BONE }], text: 'Fracture present' },
    valueBoolean: verdict.fracture,
    bodySite: { coding: [{ ...BODY_SITES[verdict.bodyPart] }] },
    // No AI finding (no image analysed by AI): the doctor's verdict alone, without a probability.
    ...(report.findings
      ? {
          component: [
            {
              code: code('fracture-probability', 'Fracture probability (AI model)'),
              valueQuantity: { value: Number(report.findings.probability.toFixed(4)), unit: 'probability', system: UCUM, code: '1' },
            },
          ],
        }
      : {}),
  };
  const count: R4.Observation = {
    ...observationBase('count', 'count'),
    code: code('fracture-count', 'Number of fractures'),
    valueQuantity: { ...countQuantity(verdict.countClass), unit: 'fractures', system: UCUM, code: '{#}' },
  };
  const bodySite: R4.Observation = {
    ...observationBase('bodySite', 'body-site'),
    code: code('fracture-body-site', 'Body part examined'),
    valueCodeableConcept: { coding: [{ ...BODY_SITES[verdict.bodyPart] }], text: verdict.bodyPart },
  };
  const urgency: R4.Observation = {
    ...observationBase('urgency', 'urgency'),
    code: code('triage-urgency', 'Triage urgency'),
    valueCodeableConcept: {
      coding: [{ system: osteonSystem(site.system, 'urgency'), code: report.urgency, display: URGENCY_DISPLAY[report.urgency] }],
    },
  };

  const reviewer = report.review?.by;
  const diagnosticReport: R4.DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    meta: { profile: [`${PROFILE_BASE}osteon-diagnostic-report`] },
    identifier: [{ system: osteonSystem(site.system, 'report'), value: reportKey(report) }],
    status,
    category: [{ coding: [{ system: V2_0074, code: 'RAD', display: 'Radiology' }] }],
    code: { coding: [{ ...REPORT_CODE }] },
    subject: { reference: ref('patient') },
    effectiveDateTime: report.firstReceivedAt.toISOString(),
    issued: (report.finalAt ?? report.analysedAt).toISOString(),
    ...(reviewer
      ? {
          resultsInterpreter: [
            { display: signerName(reviewer), identifier: { system: osteonSystem(site.system, 'user'), value: reviewer.id } },
          ],
        }
      : {}),
    imagingStudy: [{ reference: ref('imagingStudy') }],
    result: [{ reference: ref('fracture') }, { reference: ref('count') }, { reference: ref('bodySite') }, { reference: ref('urgency') }],
    conclusion: verdict.conclusion,
    conclusionCode: [
      verdict.fracture
        ? { coding: [{ ...FRACTURE_OF_BONE }], text: 'Fracture' }
        : { coding: [{ ...NO_ABNORMALITY }], text: 'No fracture detected (fracture assessment only)' },
    ],
  };

  const observationQuery = (name: string): string => query(osteonSystem(site.system, 'observation'), `${reportKey(report)}-${name}`);
  return [
    { slot: 'patient', resource: patient, identifierQuery: query(patientIdentifier.system as string, patientIdentifier.value as string) },
    { slot: 'device', resource: device, identifierQuery: query(modelSystem, report.modelVersion) },
    { slot: 'imagingStudy', resource: imagingStudy, identifierQuery: query(DICOM_UID_SYSTEM, `urn:oid:${report.studyInstanceUid}`) },
    { slot: 'fracture', resource: fracture, identifierQuery: observationQuery('fracture') },
    { slot: 'count', resource: count, identifierQuery: observationQuery('count') },
    { slot: 'bodySite', resource: bodySite, identifierQuery: observationQuery('body-site') },
    { slot: 'urgency', resource: urgency, identifierQuery: observationQuery('urgency') },
    { slot: 'report', resource: diagnosticReport, identifierQuery: query(osteonSystem(site.system, 'report'), reportKey(report)) },
  ];
}

export function typeOf(slot: Slot): 'Patient' | 'Device' | 'ImagingStudy' | 'Observation' | 'DiagnosticReport' {
  switch (slot) {
    case 'patient':
      return 'Patient';
    case 'device':
      return 'Device';
    case 'imagingStudy':
      return 'ImagingStudy';
    case 'fracture':
    case 'count':
    case 'bodySite':
    case 'urgency':
      return 'Observation';
    case 'report':
      return 'DiagnosticReport';
  }
}
