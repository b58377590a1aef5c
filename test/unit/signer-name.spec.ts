import { Hl7Message } from '@medplum/core';
import { buildResultMessage } from '../../src/hl7/result-message.builder';
import { parseResultMessage } from '../../src/hl7/result-message.parser';
import type { PersonRef, Report } from '../../src/reports/report';
import { dicomPersonName, nameParts, signerName } from '../../src/reports/signer-name';
import { draftReport } from '../support/report-fixture';

const PARTIES = { sendingApplication: 'OSTEON', sendingFacility: 'ED', receivingApplication: 'RIS', receivingFacility: 'RADIOLOGY' };
const HOUSE = { id: 'u-1', username: 'drhouse', role: 'doctor', displayName: 'Dr. Greg House' };

function signed(by: PersonRef): Report {
  const at = new Date('2026-01-02T03:04:05Z');
  const verdict = { fracture: true, countClass: '1' as const, bodyPart: 'hand' as const, conclusion: 'Fracture.' };
  return draftReport({
    status: 'final',
    finalAt: at,
    review: { by, at, agreed: true, verdict, aiFindings: undefined, modelVersion: 'fx-1', source: 'review-api' },
  });
}

describe('the signing doctor’s name', () => {
  it('splits a display name into title, given, middle and family names', () => {
    expect(nameParts('Dr. Greg House')).toEqual({ prefix: 'Dr.', given: 'Greg', middle: '', family: 'House' });
    expect(nameParts('Prof. Dr. Anna Maria Nowak')).toEqual({ prefix: 'Prof. Dr.', given: 'Anna', middle: 'Maria', family: 'Nowak' });
    expect(nameParts('House, Greg')).toEqual({ prefix: '', given: 'Greg', middle: '', family: 'House' });
    expect(nameParts('Cuddy')).toEqual({ prefix: '', given: '', middle: '', family: 'Cuddy' });
  });

  it('signs with the display name and falls back to the user name for records written before display names', () => {
    expect(signerName(HOUSE)).toBe('Dr. Greg House');
    expect(signerName({ id: 'u-2', username: 'drwilson', role: 'doctor' })).toBe('drwilson');
    expect(dicomPersonName(HOUSE)).toBe('House^Greg^^Dr.');
    expect(dicomPersonName({ id: 'u-2', username: 'drwilson', role: 'doctor' })).toBe('drwilson');
  });

  it('puts the login as the ID and the display name as family and given in OBR-32, as a RIS (and Osteon) reads it back', () => {
    const text = buildResultMessage(signed(HOUSE), undefined, 'OST0000000000000009', PARTIES).toString();
    const obr = text.split('\r').find((segment) => segment.startsWith('OBR|')) as string;
    expect(obr.split('|')[32]).toBe('drhouse&House&Greg&&&Dr.');
    expect(parseResultMessage(Hl7Message.parse(text)).interpreter).toEqual({ id: 'drhouse', family: 'House', given: 'Greg' });
  });

  it('keeps a display name with HL7 and DICOM delimiters from breaking either message', () => {
    const odd = { id: 'u-3', username: 'dr.odd', role: 'doctor', displayName: 'Dr. Jo & Co | Smith^Evil~Z\\W=X' };
    const text = buildResultMessage(signed(odd), undefined, 'OST0000000000000010', PARTIES).toString();
    const obr = text.split('\r').find((segment) => segment.startsWith('OBR|')) as string;
    // One field, its sub-components escaped (\\S\\, \\F\\, \\T\\, \\R\\, \\E\\), read back as written.
    expect(obr.split('|')).toHaveLength(33);
    expect(parseResultMessage(Hl7Message.parse(text)).interpreter).toEqual({
      id: 'dr.odd',
      family: 'Smith^Evil~Z\\W=X',
      given: 'Jo',
    });
    const pn = dicomPersonName(odd);
    expect(pn).toBe('Smith Evil~Z W X^Jo^& Co |^Dr.');
    expect(pn.split('^')).toHaveLength(4);
    expect(
      dicomPersonName({ id: 'u-4', username: 'x', role: 'doctor', displayName: `Dr. ${'Long'.repeat(30)} Name` }).length,
    ).toBeLessThanOrEqual(64);
  });
});
