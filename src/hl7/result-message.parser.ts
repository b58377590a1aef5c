import type { Hl7Message } from '@medplum/core';
import type { BodyPart, CountClass } from '../reports/findings';
import { bodyPartFromCode, countClassFromCode, fractureFromCode, OBSERVATION } from './hl7-codes';
import { component, unescapeHl7 } from './hl7-fields';
import { Hl7ErrorCode, Hl7Exception } from './hl7.exception';

/** A doctor's final or corrected result for a study Osteon reported, as the RIS sent it. */
export interface ExternalResult {
  readonly resultStatus: 'F' | 'C';
  /** OBR-3: the filler order number Osteon sent (its report id); some RIS put the accession here. */
  readonly fillerOrderNumber: string;
  /** OBR-18 (IHE's accession number field). */
  readonly accessionNumber: string;
  /** ZDS-1 (IHE), when present. */
  readonly studyInstanceUid: string;
  readonly fracture: boolean;
  readonly countClass: CountClass | undefined;
  readonly bodyPart: BodyPart | undefined;
  readonly conclusion: string | undefined;
  /** OBR-32 principal result interpreter: ID&family&given. */
  readonly interpreter: { readonly id: string; readonly family: string; readonly given: string } | undefined;
}

/** ORU^R01 with OBR-25 F or C → the verdict; the OBX codes are the ones Osteon sends (hl7-codes.ts). */
export function parseResultMessage(message: Hl7Message): ExternalResult {
  const obr = message.getSegment('OBR');
  if (!obr) throw new Hl7Exception(Hl7ErrorCode.RequiredFieldMissing, 'the result has no OBR segment');
  const status = component(obr, 25).toUpperCase();
  if (status !== 'F' && status !== 'C') {
    throw new Hl7Exception(
      Hl7ErrorCode.UnsupportedResultStatus,
      `only final (F) or corrected (C) results are accepted; OBR-25 is "${status}"`,
    );
  }
  let fracture: boolean | undefined;
  let countClass: CountClass | undefined;
  let bodyPart: BodyPart | undefined;
  const conclusion: string[] = [];
  for (const obx of message.getAllSegments('OBX')) {
    const observation = component(obx, 3, 1);
    const code = component(obx, 5, 1);
    const text = component(obx, 5, 2);
    if (observation === OBSERVATION.finding.code) {
      fracture = fractureFromCode(code, text);
      if (fracture === undefined) throw new Hl7Exception(Hl7ErrorCode.UnknownValue, `fracture finding "${code}" is not a known code`);
    } else if (observation === OBSERVATION.count.code) {
      countClass = countClassFromCode(code, text);
      if (countClass === undefined) throw new Hl7Exception(Hl7ErrorCode.UnknownValue, `fracture count "${code}" is not a known code`);
    } else if (observation === OBSERVATION.bodyPart.code) {
      bodyPart = bodyPartFromCode(code, text);
      if (bodyPart === undefined) throw new Hl7Exception(Hl7ErrorCode.UnknownValue, `body part "${code}" is not a known code`);
    } else if (observation === OBSERVATION.conclusion.code) {
      // A TX value's repetitions are lines of text.
      conclusion.push((obx.getField(5)?.toString() ?? '').split('~').map(unescapeHl7).join('\n'));
    }
  }
  if (fracture === undefined)
    throw new Hl7Exception(
      Hl7ErrorCode.RequiredFieldMissing,
      `no coded fracture finding (OBX-3 ${OBSERVATION.finding.code}^^${OBSERVATION.finding.system})`,
    );
  const interpreterId = component(obr, 32, 1, 1);
  const family = component(obr, 32, 1, 2);
  return {
    resultStatus: status,
    fillerOrderNumber: component(obr, 3),
    accessionNumber: component(obr, 18),
    studyInstanceUid: component(message.getSegment('ZDS'), 1),
    fracture,
    countClass,
    bodyPart,
    conclusion: conclusion.join('\n').trim() || undefined,
    interpreter: interpreterId !== '' || family !== '' ? { id: interpreterId, family, given: component(obr, 32, 1, 3) } : undefined,
  };
}
