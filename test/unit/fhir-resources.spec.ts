import type * as R4 from 'fhir/r4';
import { decideVerdict, doctorOf, verdictOf } from '../../src/fhir/fhir-verdict';
import { mergeDiagnosticReport, serverDecisionWins } from '../../src/fhir/fhir-conflict.policy';
import { buildResources, typeOf, type SeriesInfo, type Slot } from '../../src/fhir/fhir-resources.builder';
import type { Report } from '../../src/reports/report';
import { validationProblems } from './fhir-profile-validation';
import { draftReport } from '../support/report-fixture';

function sampleReport(overrides: Partial<Report> = {}): Report {
  return draftReport({
    modelVersion: 'fracture-2026.11.1',
    images: [
      { sopInstanceUid: '1.2.3.4.1', instanceId: 'i1', sha256: 'a'.repeat(64), blobKey: 'k', heatmapId: undefined, findings: {} as never },
    ],
    ...overrides,
  });
}

const series: SeriesInfo[] = [
  {
    seriesInstanceUid: '1.2.3.4',
    modality: 'DX',
    bodyPartExamined: 'HAND',
    instances: [{ sopInstanceUid: '1.2.3.4.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', instanceNumber: 1 }],
  },
];
const site = { system: 'urn:osteon:', patientIdSystem: 'urn:oid:1.2.3.999' };
// As after the first delivery: references to the server's ids.
const byId = (slot: Slot): string => `${typeOf(slot)}/${slot}-id`;

describe('FHIR resources Osteon emits', () => {
  it('builds a report, its observations, study, patient and model device that are valid against the Osteon profiles', () => {
    for (const item of buildResources(sampleReport(), series, site, byId)) {
      expect({ slot: item.slot, problems: validationProblems(item.resource) }).toEqual({ slot: item.slot, problems: [] });
    }
  });

  it('names the model version on the Device and codes the conclusion as a fracture of bone', () => {
    const planned = buildResources(sampleReport(), series, site, byId);
    const device = planned.find((item) => item.slot === 'device')?.resource as R4.Device;
    const report = planned.find((item) => item.slot === 'report')?.resource as R4.DiagnosticReport;
    expect(device.version?.[0]?.value).toBe('fracture-2026.11.1');
    expect(report).toMatchObject({
      status: 'preliminary',
      // The study and the report's sequence in it, not the database id.
      identifier: [{ system: 'urn:osteon:report', value: `${sampleReport().studyInstanceUid}-r1` }],
    });
    expect(report.conclusionCode?.[0]?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '125605004' });
  });

  it('reports a profile violation when a required element is missing', () => {
    const report = buildResources(sampleReport(), series, site, byId).find((item) => item.slot === 'report')
      ?.resource as R4.DiagnosticReport;
    const { conclusionCode: _dropped, ...withoutCode } = report;
    expect(validationProblems(withoutCode).join('\n')).toMatch(/conclusionCode/);
  });
});

describe('verdicts taken from the FHIR server', () => {
  const serverReport = (changes: Partial<R4.DiagnosticReport>): R4.DiagnosticReport => ({
    ...(buildResources(sampleReport(), series, site, byId).find((item) => item.slot === 'report')?.resource as R4.DiagnosticReport),
    id: 'dr-1',
    meta: { versionId: 'v-doctor', lastUpdated: '2026-11-20T11:00:00Z' },
    ...changes,
  });

  it('reads "no fracture" from the conclusion code and forces the count to zero', () => {
    const verdict = verdictOf(
      sampleReport(),
      serverReport({
        status: 'amended',
        conclusionCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '281900007' }] }],
        conclusion: 'Normal.',
      }),
      {},
    );
    expect(verdict).toEqual({ fracture: false, countClass: '0', bodyPart: 'hand', conclusion: 'Normal.' });
  });

  it('ignores versions Osteon wrote itself and preliminary copies', () => {
    expect(decideVerdict(sampleReport(), serverReport({ status: 'final' }), {}, ['v-doctor'])).toMatchObject({
      kind: 'ignore',
      reason: 'written by Osteon',
    });
    expect(decideVerdict(sampleReport(), serverReport({ status: 'preliminary' }), {}, [])).toMatchObject({ kind: 'ignore' });
  });

  it('withdraws on entered-in-error and names the interpreter as the doctor', () => {
    const action = decideVerdict(
      sampleReport(),
      serverReport({ status: 'entered-in-error', resultsInterpreter: [{ reference: 'Practitioner/p1', display: 'Dr Grey' }] }),
      {},
      [],
    );
    expect(action).toMatchObject({ kind: 'withdraw', doctor: { id: 'fhir:Practitioner/p1', username: 'Dr Grey', role: 'doctor' } });
    expect(doctorOf(serverReport({}))).toEqual({ id: 'fhir:unknown', username: 'fhir-server', role: 'doctor' });
    const osteonsOwn = { display: 'dr-osteon', identifier: { system: 'urn:osteon:user', value: 'u1' } };
    expect(
      doctorOf(
        serverReport({ resultsInterpreter: [osteonsOwn], performer: [{ reference: 'Practitioner/p2', display: 'Dr White' }] }),
        'urn:osteon:user',
      ),
    ).toMatchObject({ id: 'fhir:Practitioner/p2' });
  });

  it('lets a later sign-off in Osteon win over an older decision on the server', () => {
    const signedLater = sampleReport({
      status: 'final',
      statusHistory: [
        { status: 'final', at: new Date('2026-11-20T12:00:00Z'), by: { id: 'u', username: 'dr', role: 'doctor' }, reason: 'confirmed' },
      ],
    });
    expect(serverDecisionWins(signedLater, serverReport({ status: 'amended' }))).toBe(false);
    expect(serverDecisionWins(sampleReport(), serverReport({ status: 'amended' }))).toBe(true);
  });

  it('keeps the doctor-owned fields of the server copy when the doctor wins a 412 merge', () => {
    const ours = serverReport({ status: 'preliminary', conclusion: 'AI draft (model x): ...' });
    const theirs = serverReport({
      status: 'amended',
      conclusion: 'Doctor says no.',
      presentedForm: [{ contentType: 'application/pdf', url: 'http://x' }],
    });
    expect(mergeDiagnosticReport(ours, theirs, true)).toMatchObject({
      status: 'amended',
      conclusion: 'Doctor says no.',
      presentedForm: [{ url: 'http://x' }],
    });
    expect(mergeDiagnosticReport(ours, theirs, false)).toMatchObject({ status: 'preliminary', presentedForm: [{ url: 'http://x' }] });
  });
});
