import type { Hl7Message } from '@medplum/core';
import type { OrderInput, OrderPriority } from '../orders/order';
import { bodyPartFromCode, bodyPartFromText } from './hl7-codes';
import { component, headerOf } from './hl7-fields';
import { Hl7ErrorCode, Hl7Exception } from './hl7.exception';

const PRIORITIES: readonly OrderPriority[] = ['S', 'A', 'R', 'P', 'C', 'T'];
const CANCEL_CONTROLS = new Set(['CA', 'OC', 'DC', 'CR']);

function firstOf(...values: string[]): string {
  return values.find((value) => value !== '') ?? '';
}

function expectedCountOf(text: string): number | undefined {
  if (text === '') return undefined;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new Hl7Exception(Hl7ErrorCode.UnknownValue, `expected image count "${text}" is not a whole number from 1 to 1000`);
  }
  return count;
}

/**
 * ORM^O01 / OMI^O23 → the order Osteon keeps. Where each value comes from (first non-empty wins):
 * - accession number: IPC-1 (OMI), OBR-18 (IHE ORM), else the filler order number ORC-3 / OBR-3
 * - expected number of images: the order's quantity, TQ1-2 (v2.5+), else OBR-27.1 / ORC-7.1
 * - priority: TQ1-9, ORC-7.6, OBR-27.6, OBR-5 (HL7 table 0027: S stat, A asap, R routine …)
 * - body part: OBR-15.4 (body site) coded or as text, else a body-part word in OBR-4's text
 * - Study Instance UID: IPC-3 (OMI) or ZDS-1 (IHE ORM), when the RIS assigns it
 */
export function parseOrderMessage(message: Hl7Message): OrderInput {
  const header = headerOf(message);
  const orc = message.getSegment('ORC');
  const obr = message.getSegment('OBR');
  const tq1 = message.getSegment('TQ1');
  const ipc = message.getSegment('IPC');
  if (!obr) throw new Hl7Exception(Hl7ErrorCode.RequiredFieldMissing, 'the order has no OBR segment');
  const fillerOrderNumber = firstOf(component(orc, 3), component(obr, 3));
  const accessionNumber = firstOf(component(ipc, 1), component(obr, 18), fillerOrderNumber);
  if (accessionNumber === '')
    throw new Hl7Exception(Hl7ErrorCode.RequiredFieldMissing, 'no accession number (IPC-1, OBR-18 or filler order number ORC-3/OBR-3)');
  const priorityText = firstOf(component(tq1, 9), component(orc, 7, 6), component(obr, 27, 6), component(obr, 5)).toUpperCase();
  if (priorityText !== '' && !PRIORITIES.includes(priorityText as OrderPriority)) {
    throw new Hl7Exception(Hl7ErrorCode.UnknownValue, `priority "${priorityText}" is not in HL7 table 0027`);
  }
  const procedureCode = component(obr, 4, 1);
  const procedureText = component(obr, 4, 2);
  const bodySite = component(obr, 15, 4, 1);
  const bodySiteText = component(obr, 15, 4, 2);
  const bodyPart =
    (bodySite !== '' || bodySiteText !== '' ? bodyPartFromCode(bodySite, bodySiteText) : undefined) ?? bodyPartFromText(procedureText);
  const orderControl = component(orc, 1).toUpperCase();
  return {
    accessionNumber,
    placerOrderNumber: firstOf(component(orc, 2), component(obr, 2)) || undefined,
    fillerOrderNumber: fillerOrderNumber || undefined,
    studyInstanceUid: firstOf(component(ipc, 3), component(message.getSegment('ZDS'), 1)) || undefined,
    patientId: component(message.getSegment('PID'), 3) || undefined,
    procedure: procedureCode !== '' || procedureText !== '' ? { code: procedureCode, text: procedureText } : undefined,
    bodyPart,
    priority: (priorityText || undefined) as OrderPriority | undefined,
    expectedImageCount: expectedCountOf(firstOf(component(tq1, 2, 1), component(obr, 27, 1, 1), component(orc, 7, 1, 1))),
    status: CANCEL_CONTROLS.has(orderControl) ? 'cancelled' : 'scheduled',
    sourceControlId: header.controlId,
  };
}
