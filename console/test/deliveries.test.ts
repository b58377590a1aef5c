import { describe, expect, it } from 'vitest';
import { channelStateLabel, jobChannel, summariseDeliveries } from '../src/logic/deliveries';
import { patientProblems, splitAcceptedFiles } from '../src/logic/upload';

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

  it('asks for a patient id, a well-formed birth date and at least one image', () => {
    expect(patientProblems({ patientId: ' ', patientName: '', birthDate: '03.02.1980', sex: '' }, 0)).toHaveLength(3);
    expect(patientProblems({ patientId: 'P1', patientName: '', birthDate: '1980-02-03', sex: 'F' }, 1)).toEqual([]);
  });
});
