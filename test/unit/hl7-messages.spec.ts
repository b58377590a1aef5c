import { fillerOrderNumber } from '../../src/reports/report-identity';
import { Hl7Message } from '@medplum/core';
import type { Report } from '../../src/reports/report';
import { Hl7ErrorCode, Hl7Exception } from '../../src/hl7/hl7.exception';
import { parseOrderMessage } from '../../src/hl7/order-message.parser';
import { buildResultMessage } from '../../src/hl7/result-message.builder';
import { parseResultMessage } from '../../src/hl7/result-message.parser';
import { draftReport } from '../support/report-fixture';

const PARTIES = { sendingApplication: 'OSTEON', sendingFacility: 'ED', receivingApplication: 'RIS', receivingFacility: 'RADIOLOGY' };

function report(overrides: Partial<Report> = {}): Report {
  const at = new Date('2026-01-02T03:04:05Z');
  return draftReport({
    id: '6b06c93bee724a3bb11103e9',
    studyInstanceUid: '1.2.3',
    accessionNumber: 'ACC|1',
    patient: { patientId: 'P-1', name: 'DOE^JANE', birthDate: '1970-01-01', sex: 'F' },
    urgency: 'urgent',
    urgencyRank: 0,
    modelVersion: 'fx-1.0',
    findings: { fracture: true, probability: 0.91234, countClass: '2+', bodyPart: 'hip', urgency: 'urgent' },
    firstReceivedAt: at,
    lastReceivedAt: at,
    analysedAt: at,
    preliminaryAt: at,
    statusHistory: [],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}

describe('HL7 messages', () => {
  it('builds an ORU^R01 whose coded OBX lines read back as the same verdict once the RIS marks it final', () => {
    const text = buildResultMessage(report(), undefined, 'OST0000000000000001', PARTIES).toString();
    const parsed = Hl7Message.parse(text.replace('|P|||', '|F|||'));
    const obr = parsed.getSegment('OBR');
    expect(obr?.getField(25).toString()).toBe('P');
    expect(obr?.getComponent(27, 6)).toBe('S');
    expect(obr?.getField(18).toString()).toBe('ACC\\F\\1');
    obr?.setField(25, 'F');
    const result = parseResultMessage(parsed);
    expect(result).toMatchObject({
      resultStatus: 'F',
      // Derived from the study, not the database id: the RIS keeps one order even after a lost database.
      fillerOrderNumber: fillerOrderNumber(report()),
      accessionNumber: 'ACC|1',
      fracture: true,
      countClass: '2+',
      bodyPart: 'hip',
    });
    expect(result.conclusion).toContain('AI draft');
  });

  it('marks a withdrawn report X in OBR-25 and W in each OBX-11', () => {
    const parsed = Hl7Message.parse(
      buildResultMessage(report({ status: 'entered-in-error' }), undefined, 'OST0000000000000002', PARTIES).toString(),
    );
    expect(parsed.getSegment('OBR')?.getField(25).toString()).toBe('X');
    expect(parsed.getAllSegments('OBX').map((obx) => obx.getField(11).toString())).toEqual(expect.arrayContaining(['W']));
    expect(new Set(parsed.getAllSegments('OBX').map((obx) => obx.getField(11).toString()))).toEqual(new Set(['W']));
  });

  it('refuses a preliminary result from the RIS as a status it does not accept', () => {
    const parsed = Hl7Message.parse(buildResultMessage(report(), undefined, 'OST0000000000000003', PARTIES).toString());
    expect(() => parseResultMessage(parsed)).toThrow(
      new Hl7Exception(Hl7ErrorCode.UnsupportedResultStatus, 'only final (F) or corrected (C) results are accepted; OBR-25 is "P"'),
    );
  });

  it('reads accession, study, priority, body part and expected image count from an OMI^O23', () => {
    const message = Hl7Message.parse(
      [
        'MSH|^~\\&|RIS|RAD|OSTEON|ED|20260101||OMI^O23^OMI_O23|C-1|P|2.5.1',
        'PID|1||P-9',
        'ORC|NW|PL-1|FI-1',
        'TQ1|1|3|||||||A',
        'OBR|1|PL-1|FI-1|XRWR^X-ray left wrist^L',
        'IPC|ACC-9|RP-1|1.2.840.99|SPS-1|DX',
      ].join('\r'),
    );
    expect(parseOrderMessage(message)).toMatchObject({
      accessionNumber: 'ACC-9',
      placerOrderNumber: 'PL-1',
      fillerOrderNumber: 'FI-1',
      studyInstanceUid: '1.2.840.99',
      patientId: 'P-9',
      bodyPart: 'hand',
      priority: 'A',
      expectedImageCount: 3,
      status: 'scheduled',
      sourceControlId: 'C-1',
    });
  });

  it('rejects an order whose expected image count is not a whole number', () => {
    const message = Hl7Message.parse(
      ['MSH|^~\\&|RIS|RAD|OSTEON|ED|20260101||ORM^O01|C-2|P|2.5.1', 'ORC|NW||F-2', 'TQ1|1|two'].join('\r') + '\rOBR|1||F-2',
    );
    expect(() => parseOrderMessage(message)).toThrow(Hl7Exception);
  });
});
