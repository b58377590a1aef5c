import { describe, expect, it } from 'vitest';
import { channelStateLabel, jobChannel, summariseDeliveries } from '../src/logic/deliveries';
import { dicomPersonName, NO_PATIENT, patientProblems, recordFormFields, splitAcceptedFiles } from '../src/logic/upload';

const state = (status: 'pending' | 'delivered' | 'failed' | 'dead') => ({ status, contentVersion: 1, attempts: 1 });

describe('delivery summary', () => {
  it('counts each channel’s states and the reports without one', () => {
    const summary = summariseDeliveries([
      { deliveries: { fhir: state('delivered'), portal: state('dead') } },
      { deliveries: { fhir: state('failed') } },
      {},
    ]);
    expect(summary.find((row) => row.channel === 'fhir')).toEqual({
      channel: 'fhir',
      counts: { pending: 0, delivered: 1, failed: 1, dead: 0 },
      none: 1,
    });
    expect(summary.find((row) => row.channel === 'portal')?.counts.dead).toBe(1);
    expect(summary.find((row) => row.channel === 'hl7')?.none).toBe(3);
    expect(summariseDeliveries([{}], ['portal']).map((row) => row.channel)).toEqual(['portal']);
  });

  it('says a channel that is off is not configured', () => {
    expect(channelStateLabel('off')).toBe('off (not configured)');
    expect(channelStateLabel('down')).toBe('down');
  });

  it('names a delivery job by its channel', () => {
    expect(jobChannel('deliver-hl7')).toBe('hl7');
    expect(jobChannel('analyse-study')).toBe('analyse-study');
  });
});

describe('record upload', () => {
  it('accepts DICOM, JPEG and PNG by type or name and names the rest', () => {
    const { accepted, rejected } = splitAcceptedFiles([
      { name: 'a.dcm', type: '' },
      { name: 'b.JPG', type: '' },
      { name: 'c', type: 'image/png' },
      { name: 'notes.pdf', type: 'application/pdf' },
    ]);
    expect(accepted.map((file) => file.name)).toEqual(['a.dcm', 'b.JPG', 'c']);
    expect(rejected.map((file) => file.name)).toEqual(['notes.pdf']);
  });

  it('asks for a patient id, well-formed dates and at least one image', () => {
    expect(patientProblems({ ...NO_PATIENT, patientId: ' ', birthDate: '03.02.1980' }, 0)).toHaveLength(3);
    expect(patientProblems({ ...NO_PATIENT, patientId: 'P1', studyDate: '14.03.2026' }, 1)).toEqual([
      'The study date must look like 2026-03-14.',
    ]);
    expect(patientProblems({ ...NO_PATIENT, patientId: 'P1', birthDate: '1980-02-03', sex: 'F' }, 1)).toEqual([]);
  });

  it('builds the DICOM name from family and given name, and sends only the fields filled in', () => {
    expect(dicomPersonName(' Konsole ', 'Anna Maria')).toBe('Konsole^Anna Maria');
    expect(dicomPersonName('Solo', '')).toBe('Solo');
    expect(dicomPersonName('', '')).toBeUndefined();
    expect(dicomPersonName('A^B', 'C=D')).toBe('A B^C D');
    const fields = recordFormFields(
      { ...NO_PATIENT, patientId: ' P1 ', familyName: 'Konsole', givenName: 'Anna', accessionNumber: 'A-1', studyDate: '2026-03-14' },
      'HAND',
    );
    expect(fields).toEqual([
      ['patientId', 'P1'],
      ['patientName', 'Konsole^Anna'],
      ['accessionNumber', 'A-1'],
      ['studyDate', '2026-03-14'],
      ['bodyPart', 'HAND'],
    ]);
  });
});
