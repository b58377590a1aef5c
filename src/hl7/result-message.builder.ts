import { Message } from 'node-hl7-client';
import { HL7_2_5_1 } from 'node-hl7-client/hl7';
import type { Order } from '../orders/order';
import type { BodyPart, CountClass, Urgency } from '../reports/findings';
import type { Report } from '../reports/report';
import { fillerOrderNumber as derivedFillerOrderNumber } from '../reports/report-identity';
import { nameParts } from '../reports/signer-name';
import {
  BODY_PART_CODES,
  COUNT_CODES,
  FINDING_CODES,
  OBSERVATION,
  observationStatusOf,
  PRIORITY_OF_URGENCY,
  resultStatusOf,
  URGENCY_CODES,
  type CodedValue,
} from './hl7-codes';

export interface MessageParties {
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
}

/** The procedure Osteon reports when no order names one. */
const DEFAULT_PROCEDURE: CodedValue = { code: 'OSTXR', text: 'Radiograph fracture assessment', system: '99OST' };

/** HL7 TS in UTC with an explicit offset, so no receiver guesses the zone. */
export function hl7Timestamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

interface ReportedFindings {
  readonly coded: { readonly fracture: boolean; readonly countClass: CountClass; readonly bodyPart: BodyPart } | undefined;
  readonly probability: number | undefined;
  readonly urgency: Urgency;
  readonly conclusion: string;
}

/** Why images have no AI finding, one line for the RIS and the doctor. */
export function notAnalysedLine(report: Report): string | undefined {
  if (report.notAnalysed.length === 0) return undefined;
  const total = report.images.length + report.notAnalysed.length;
  const reasons = [...new Set(report.notAnalysed.map((image) => image.reason))].join('; ');
  return `${report.notAnalysed.length} of ${total} image(s) not analysed by AI, to be read by a doctor without AI: ${reasons}`;
}

/**
 * What the RIS should show: the AI draft while preliminary, the doctor's verdict once reviewed.
 * `coded` is undefined while there is neither (no image analysed by AI, no doctor yet).
 */
function reportedFindings(report: Report): ReportedFindings {
  const ai = report.findings;
  const verdict = report.status === 'preliminary' ? undefined : report.review?.verdict;
  const decided = verdict ?? ai;
  const coded = decided ? { fracture: decided.fracture, countClass: decided.countClass, bodyPart: decided.bodyPart } : undefined;
  const finding = !coded
    ? 'No AI finding.'
    : coded.fracture
      ? `Fracture (${COUNT_CODES[coded.countClass].text.toLowerCase()}) of the ${coded.bodyPart}.`
      : `No fracture seen (${coded.bodyPart}).`;
  const prefix: Record<Report['status'], string> = {
    preliminary: ai
      ? `AI draft, not reviewed by a doctor (model ${report.modelVersion}, fracture probability ${ai.probability.toFixed(3)}):`
      : 'Not analysed by AI, not yet reviewed by a doctor:',
    final: 'Reviewed by a doctor:',
    amended: 'Corrected by a doctor:',
    'entered-in-error': 'Withdrawn, entered in error:',
  };
  const unanalysed = report.status === 'preliminary' ? notAnalysedLine(report) : undefined;
  const conclusion = verdict?.conclusion ?? `${prefix[report.status]} ${finding}`;
  return {
    coded,
    probability: ai?.probability,
    urgency: report.urgency,
    conclusion: unanalysed ? `${conclusion}\n${unanalysed}` : conclusion,
  };
}

function dicomDateToHl7(value: string | undefined): string {
  return (value ?? '').replace(/-/g, '').slice(0, 8);
}

function sexToHl7(value: string | undefined): string {
  const sex = (value ?? '').toUpperCase();
  return ['M', 'F', 'O'].includes(sex) ? sex : 'U';
}

/**
 * ORU^R01 v2.5.1 for the report's current content: MSH, PID, ORC, OBR (OBR-3 = the report id,
 * OBR-18 = accession, OBR-25 = P/F/C/X, OBR-27.6 and ORC-7.6 = priority) and the OBX lines
 * finding (CWE), probability (NM), count (CWE), body part (CWE), urgency (CWE), conclusion (TX),
 * and, when given, the signed patient PDF (ED: ^AP^PDF^Base64^data; base64 has no HL7 delimiter).
 */
export function buildResultMessage(
  report: Report,
  order: Order | undefined,
  controlId: string,
  parties: MessageParties,
  now = new Date(),
  pdf?: Buffer,
): Message {
  // The RIS's key for this result: the same order across versions, restarts and a lost database.
  const fillerOrderNumber = report.fillerOrderNumber ?? derivedFillerOrderNumber(report);
  const message = new Message({
    specification: new HL7_2_5_1(),
    messageHeader: { msh_9_1: 'ORU', msh_9_2: 'R01', msh_9_3: 'ORU_R01', msh_10: controlId, msh_11_1: 'P' },
  });
  message.set('MSH.3', parties.sendingApplication);
  message.set('MSH.4', parties.sendingFacility);
  message.set('MSH.5', parties.receivingApplication);
  message.set('MSH.6', parties.receivingFacility);
  message.set('MSH.7', hl7Timestamp(now));

  const pid = message.addSegment('PID');
  pid.set('1', '1');
  pid.set('3.1', report.patient.patientId ?? order?.patientId ?? '');
  // DICOM PN and HL7 XPN share the order family^given^middle^prefix^suffix.
  (report.patient.name ?? '')
    .split('^')
    .slice(0, 5)
    .forEach((part, index) => pid.set(`5.${index + 1}`, part.trim()));
  pid.set('7', dicomDateToHl7(report.patient.birthDate));
  pid.set('8', sexToHl7(report.patient.sex));

  const resultStatus = resultStatusOf(report.status);
  const priority = PRIORITY_OF_URGENCY[report.urgency];
  const orc = message.addSegment('ORC');
  orc.set('1', 'RE');
  orc.set('2', order?.placerOrderNumber ?? '');
  orc.set('3.1', fillerOrderNumber);
  orc.set('3.2', parties.sendingApplication);
  orc.set('5', { P: 'A', F: 'CM', C: 'CM', X: 'CA' }[resultStatus]);
  orc.set('7.6', priority);

  const procedure = order?.procedure ? { code: order.procedure.code, text: order.procedure.text, system: '' } : DEFAULT_PROCEDURE;
  const obr = message.addSegment('OBR');
  obr.set('1', '1');
  obr.set('2', order?.placerOrderNumber ?? '');
  obr.set('3.1', fillerOrderNumber);
  obr.set('3.2', parties.sendingApplication);
  obr.set('4.1', procedure.code);
  obr.set('4.2', procedure.text);
  obr.set('4.3', procedure.system);
  obr.set('7', hl7Timestamp(report.firstReceivedAt));
  obr.set('18', report.accessionNumber ?? order?.accessionNumber ?? '');
  obr.set('22', hl7Timestamp(now));
  obr.set('24', 'RAD');
  obr.set('25', resultStatus);
  obr.set('27.6', priority);
  if (report.review && report.status !== 'preliminary') {
    // NDL/CNN: the login as the ID the RIS matches on, then the signing name as the RIS shows it.
    const signer = report.review.by;
    obr.set('32.1.1', signer.username);
    if (signer.displayName?.trim()) {
      const name = nameParts(signer.displayName);
      obr.set('32.1.2', name.family);
      obr.set('32.1.3', name.given);
      obr.set('32.1.4', name.middle);
      obr.set('32.1.6', name.prefix);
    }
  }

  const findings = reportedFindings(report);
  const observationStatus = observationStatusOf(report.status);
  let setId = 0;
  /** A string is one value; an array is the value's components (OBX-5.1, 5.2, ...). */
  const addObservation = (
    valueType: 'CWE' | 'NM' | 'TX' | 'ED',
    identifier: CodedValue,
    value: CodedValue | string | readonly string[],
    units?: CodedValue,
  ): void => {
    setId += 1;
    const obx = message.addSegment('OBX');
    obx.set('1', String(setId));
    obx.set('2', valueType);
    obx.set('3.1', identifier.code);
    obx.set('3.2', identifier.text);
    obx.set('3.3', identifier.system);
    obx.set('4', '1');
    const components = typeof value === 'string' ? [value] : 'code' in value ? [value.code, value.text, value.system] : value;
    components.forEach((component, index) => obx.set(`5.${index + 1}`, component));
    if (units) {
      obx.set('6.1', units.code);
      obx.set('6.3', units.system);
    }
    obx.set('11', observationStatus);
    obx.set('14', hl7Timestamp(report.analysedAt));
    // The model that produced the draft, so the RIS can tell AI results apart.
    obx.set('18', report.modelVersion);
  };
  // Without an AI finding or a verdict there is nothing coded to say: urgency and the text only.
  if (findings.coded) addObservation('CWE', OBSERVATION.finding, findings.coded.fracture ? FINDING_CODES.fracture : FINDING_CODES.none);
  if (findings.probability !== undefined)
    addObservation('NM', OBSERVATION.probability, findings.probability.toFixed(4), { code: '1', text: '', system: 'UCUM' });
  if (findings.coded) {
    addObservation('CWE', OBSERVATION.count, COUNT_CODES[findings.coded.countClass]);
    addObservation('CWE', OBSERVATION.bodyPart, BODY_PART_CODES[findings.coded.bodyPart]);
  }
  addObservation('CWE', OBSERVATION.urgency, URGENCY_CODES[findings.urgency]);
  // One TX line per OBX: TX has no line break of its own.
  for (const line of findings.conclusion.split(/\r?\n/).filter((text) => text.trim() !== '')) {
    addObservation('TX', OBSERVATION.conclusion, line);
  }
  if (pdf) addObservation('ED', OBSERVATION.pdf, ['', 'AP', 'PDF', 'Base64', pdf.toString('base64')]);
  return message;
}
