import type { BodyPart, CountClass, Urgency } from '../reports/findings';
import type { ReportStatus } from '../reports/report';

/**
 * The codes Osteon writes in its ORU^R01 and reads back from the RIS's final results. Standard
 * codes where one exists (LOINC for the impression, SNOMED CT for finding and body site); a
 * local table `99OST` (HL7's convention for site-defined tables) for the rest.
 */
export const LOCAL_SYSTEM = '99OST';

export interface CodedValue {
  readonly code: string;
  readonly text: string;
  readonly system: string;
}

/** OBX-3 observation identifiers, one per OBX line. */
export const OBSERVATION = {
  finding: { code: 'FX', text: 'Fracture finding', system: LOCAL_SYSTEM },
  probability: { code: 'FXPROB', text: 'Fracture probability', system: LOCAL_SYSTEM },
  count: { code: 'FXCOUNT', text: 'Fracture count', system: LOCAL_SYSTEM },
  bodyPart: { code: 'BODYPART', text: 'Body part examined', system: LOCAL_SYSTEM },
  urgency: { code: 'URGENCY', text: 'Triage urgency', system: LOCAL_SYSTEM },
  conclusion: { code: '19005-8', text: 'Radiology Imaging study [Impression] (narrative)', system: 'LN' },
  pdf: { code: 'PDF', text: 'Patient report (PDF)', system: LOCAL_SYSTEM },
} as const satisfies Record<string, CodedValue>;

export const FINDING_CODES: Record<'fracture' | 'none', CodedValue> = {
  fracture: { code: '125605004', text: 'Fracture of bone', system: 'SCT' },
  none: { code: '260385009', text: 'Negative', system: 'SCT' },
};

export const COUNT_CODES: Record<CountClass, CodedValue> = {
  '0': { code: '0', text: 'No fracture', system: `${LOCAL_SYSTEM}CNT` },
  '1': { code: '1', text: 'One fracture', system: `${LOCAL_SYSTEM}CNT` },
  '2+': { code: '2+', text: 'Two or more fractures', system: `${LOCAL_SYSTEM}CNT` },
};

export const BODY_PART_CODES: Record<BodyPart, CodedValue> = {
  hand: { code: '85562004', text: 'Hand', system: 'SCT' },
  leg: { code: '61685007', text: 'Lower limb', system: 'SCT' },
  hip: { code: '29836001', text: 'Hip', system: 'SCT' },
  shoulder: { code: '16982005', text: 'Shoulder', system: 'SCT' },
};

export const URGENCY_CODES: Record<Urgency, CodedValue> = {
  urgent: { code: 'urgent', text: 'Urgent', system: `${LOCAL_SYSTEM}URG` },
  soon: { code: 'soon', text: 'Soon', system: `${LOCAL_SYSTEM}URG` },
  routine: { code: 'routine', text: 'Routine', system: `${LOCAL_SYSTEM}URG` },
};

/** ORC-7.6 / OBR-27.6 / TQ1-9 priority (HL7 table 0027), so the RIS worklist sorts by it. */
export const PRIORITY_OF_URGENCY: Record<Urgency, 'S' | 'A' | 'R'> = { urgent: 'S', soon: 'A', routine: 'R' };

/** OBR-25 result status (HL7 table 0123) for the report's status. */
export function resultStatusOf(status: ReportStatus): 'P' | 'F' | 'C' | 'X' {
  switch (status) {
    case 'preliminary':
      return 'P';
    case 'final':
      return 'F';
    case 'amended':
      return 'C';
    case 'entered-in-error':
      return 'X';
  }
}

/** OBX-11 per observation: W (post original as wrong) for a withdrawn report. */
export function observationStatusOf(status: ReportStatus): 'P' | 'F' | 'C' | 'W' {
  const result = resultStatusOf(status);
  return result === 'X' ? 'W' : result;
}

function matches(value: CodedValue, code: string, text: string): boolean {
  return value.code.toLowerCase() === code.toLowerCase() || (text !== '' && value.text.toLowerCase() === text.toLowerCase());
}

/** Reads a coded finding back: our SNOMED codes, or Y/N/POS/NEG as some RIS send them. */
export function fractureFromCode(code: string, text: string): boolean | undefined {
  if (matches(FINDING_CODES.fracture, code, text) || ['Y', 'POS', 'POSITIVE', 'FRACTURE'].includes(code.toUpperCase())) return true;
  if (matches(FINDING_CODES.none, code, text) || ['N', 'NEG', 'NEGATIVE', 'NONE'].includes(code.toUpperCase())) return false;
  return undefined;
}

export function countClassFromCode(code: string, text: string): CountClass | undefined {
  const found = (Object.keys(COUNT_CODES) as CountClass[]).find((key) => matches(COUNT_CODES[key], code, text));
  if (found) return found;
  const number = Number(code);
  if (Number.isInteger(number) && number >= 0) return number === 0 ? '0' : number === 1 ? '1' : '2+';
  return undefined;
}

const BODY_PART_WORDS: ReadonlyArray<readonly [BodyPart, RegExp]> = [
  ['hand', /\b(hand|wrist|finger|thumb|carp|metacarp|phalan|radius|ulna|forearm)/i],
  ['hip', /\b(hip|pelvi|acetabul|femoral neck)/i],
  ['shoulder', /\b(shoulder|clavic|humer|scapul)/i],
  ['leg', /\b(leg|knee|ankle|foot|tibia|fibula|femur|lower limb)/i],
];

/** Our SNOMED code, our own name (hand/leg/hip/shoulder), or a body-part word in free text. */
export function bodyPartFromCode(code: string, text: string): BodyPart | undefined {
  const byCode = (Object.keys(BODY_PART_CODES) as BodyPart[]).find(
    (key) => matches(BODY_PART_CODES[key], code, text) || key === code.toLowerCase(),
  );
  if (byCode) return byCode;
  return bodyPartFromText(`${code} ${text}`);
}

export function bodyPartFromText(text: string): BodyPart | undefined {
  return BODY_PART_WORDS.find(([, pattern]) => pattern.test(text))?.[0];
}
