import fs from 'node:fs/promises';
import path from 'node:path';
import type * as R4 from 'fhir/r4';
import { MongoClient } from 'mongodb';
import { dcmsend } from '../support/dcmtk';
import { FIXTURE_IMAGES, fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';
import { startFhirServer, type FhirServerPeer } from '../peers/fhir-server.peer';
import { validationProblems } from '../unit/fhir-profile-validation';

interface ReportDetail {
  id: string;
  imageCount: number;
  status: string;
  modelVersion: string;
  studyInstanceUid: string;
  findings: { fracture: boolean; countClass: string; bodyPart: string };
  review?: { source: string; agreed: boolean; by: { id: string; username: string }; verdict: { fracture: boolean; conclusion?: string } };
  reviews: Array<{ source: string }>;
  statusHistory: Array<{ status: string; by?: { id: string; username: string } }>;
  deliveries: {
    fhir?: {
      status: string;
      contentVersion: number;
      error?: string;
      references: { ids: Record<string, string> };
      message?: { contentType: string; text: string; truncated: boolean };
      log?: Array<{ status: string; answer?: string; error?: string }>;
    };
  };
}

describe("FHIR channel: drafts to the hospital FHIR server, doctors' verdicts back", () => {
  let database: TestDatabase;
  let fhir: FhirServerPeer;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let images: string[];
  let doctor: string;
  let clerk: string;
  const databaseName = `fhir_${Date.now()}`;

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('fhir');
    fhir = await startFhirServer(path.join(workspace.dir, 'fhir-store.json'));
    images = await fixtureImageNames();
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '300',
        OSTEON_FHIR_URL: fhir.baseUrl,
        OSTEON_FHIR_TOKEN: 'fhir-test-token',
        OSTEON_FHIR_POLL_SECONDS: '0.5',
        OSTEON_FHIR_SWEEP_MS: '500',
        OSTEON_FHIR_PATIENT_ID_SYSTEM: 'urn:oid:1.2.826.0.1.999.1',
        OSTEON_JOB_BACKOFF_MS: '300',
        OSTEON_JOB_MAX_ATTEMPTS: '12',
      },
    });
    doctor = await userToken(engine, 'dr-fhir', 'doctor', { displayName: 'Dr. Allison Cameron' });
    clerk = await userToken(engine, 'clerk-fhir', 'admin-worker');
    // The doctors who sign on the FHIR server, linked to their Practitioner references.
    await userToken(engine, 'dr.grey', 'doctor', { externalIds: ['Practitioner/dr-grey'] });
    await userToken(engine, 'dr.white', 'doctor', { externalIds: ['Practitioner/dr-white'] });
  });

  afterAll(async () => {
    await engine?.stop();
    await fhir?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const report = async (id: string): Promise<ReportDetail> =>
    (await api<ReportDetail>(engine, 'GET', `/api/reports/${id}`, { token: doctor })).body;

  const reportOfStudy = (studyInstanceUid: string): Promise<ReportDetail> =>
    waitFor(
      async () => {
        const page = await api<{ items: ReportDetail[] }>(engine, 'GET', `/api/reports?studyInstanceUid=${studyInstanceUid}`, {
          token: doctor,
        });
        return page.body.items[0];
      },
      60_000,
      200,
    );

  const deliveredAt = (id: string, predicate: (detail: ReportDetail) => boolean = () => true, timeoutMs = 60_000): Promise<ReportDetail> =>
    waitFor(
      async () => {
        const detail = await report(id);
        return detail.deliveries.fhir?.status === 'delivered' && detail.deliveries.fhir.contentVersion >= 1 && predicate(detail)
          ? detail
          : undefined;
      },
      timeoutMs,
      200,
    );

  const upload = async (patientId: string, imageIndex: number): Promise<string> => {
    const form = new FormData();
    form.append('patientId', patientId);
    form.append('patientName', 'FHIR^TEST');
    form.append('birthDate', '1975-06-07');
    form.append('sex', 'M');
    form.append(
      'images',
      new Blob([await fs.readFile(path.join(FIXTURE_IMAGES, images[imageIndex] as string))], { type: 'image/jpeg' }),
      'xray.jpg',
    );
    const uploaded = await api(engine, 'POST', '/api/records', { token: clerk, form });
    expect(uploaded.status).toBe(201);
    return (await reportOfStudy(uploaded.body.studyInstanceUids[0])).id;
  };

  const search = async <T>(query: string): Promise<T[]> =>
    ((await fhir.request<{ entry?: Array<{ resource: T }> }>('GET', query)).body.entry ?? []).map((entry) => entry.resource);
  /** The identifier value the FHIR server knows the report by: its study and sequence (`<study UID>-r1`). */
  const keyOf = async (reportId: string): Promise<string> =>
    (await api<{ identity: { key: string } }>(engine, 'GET', `/api/reports/${reportId}`)).body.identity.key;

  const serverReportOf = async (reportId: string): Promise<R4.DiagnosticReport[]> =>
    search<R4.DiagnosticReport>(`/DiagnosticReport?identifier=urn:osteon:report|${await keyOf(reportId)}`);
  const counts = async (): Promise<Record<string, number>> => {
    const result: Record<string, number> = {};
    for (const type of ['Patient', 'Device', 'ImagingStudy', 'Observation', 'DiagnosticReport'])
      result[type] = (await search(`/${type}?_count=1000`)).length;
    return result;
  };

  let firstReportId: string;
  let firstStudyUid: string;

  it('publishes a study sent with dcmtk as linked resources that are valid against the Osteon profiles', async () => {
    const first = await makeInstance(
      images[0] as string,
      path.join(workspace.dir, 's1', 'a.dcm'),
      { patientId: 'FHIR-1' },
      { bodyPartExamined: 'HAND' },
    );
    const second = await makeInstance(
      images[1] as string,
      path.join(workspace.dir, 's1', 'b.dcm'),
      { patientId: 'FHIR-1' },
      { studyInstanceUid: first.studyInstanceUid, instanceNumber: 2 },
    );
    firstStudyUid = first.studyInstanceUid;
    expect([...(await dcmsend([first.file, second.file], engine.dicomPort)).statuses.values()]).toEqual([0, 0]);
    const item = await waitFor(
      async () => {
        const found = await reportOfStudy(firstStudyUid);
        return found.imageCount === 2 ? found : undefined;
      },
      90_000,
      250,
    );
    firstReportId = item.id;
    // Both images analysed and that content on the server (an earlier one-image draft may have gone first).
    await waitFor(
      async () => {
        const [copy] = await serverReportOf(firstReportId);
        if (!copy?.imagingStudy?.[0]?.reference) return undefined;
        const study = (await fhir.request<R4.ImagingStudy>('GET', `/${copy.imagingStudy[0].reference}`)).body;
        return study.numberOfInstances === 2 ? true : undefined;
      },
      90_000,
      250,
    );
    const detail = await deliveredAt(firstReportId);

    const [diagnosticReport] = await serverReportOf(firstReportId);
    expect(diagnosticReport).toMatchObject({ status: 'preliminary', code: { coding: [{ system: 'http://loinc.org', code: '18748-4' }] } });
    expect(diagnosticReport?.id).toBe(detail.deliveries.fhir?.references.ids.report);
    const patient = (await fhir.request<R4.Patient>('GET', `/${diagnosticReport?.subject?.reference}`)).body;
    expect(patient.identifier).toEqual([{ system: 'urn:oid:1.2.826.0.1.999.1', value: 'FHIR-1' }]);
    const study = (await fhir.request<R4.ImagingStudy>('GET', `/${diagnosticReport?.imagingStudy?.[0]?.reference}`)).body;
    expect(study.identifier?.[0]).toEqual({ system: 'urn:dicom:uid', value: `urn:oid:${firstStudyUid}` });
    expect(
      study.series
        ?.flatMap((series) => series.instance ?? [])
        .map((instance) => instance.uid)
        .sort(),
    ).toEqual([first.sopInstanceUid, second.sopInstanceUid].sort());
    const observations = await Promise.all(
      (diagnosticReport?.result ?? []).map(async (result) => (await fhir.request<R4.Observation>('GET', `/${result.reference}`)).body),
    );
    expect(observations).toHaveLength(4);
    const device = (await fhir.request<R4.Device>('GET', `/${observations[0]?.device?.reference}`)).body;
    expect(device.version?.[0]?.value).toBe(detail.modelVersion);
    for (const observation of observations) expect(observation.subject?.reference).toBe(diagnosticReport?.subject?.reference);
    const fractureObservation = observations.find((observation) => observation.code.coding?.[0]?.code === '125605004');
    expect(fractureObservation?.valueBoolean).toBe(detail.findings.fracture);
    for (const resource of [diagnosticReport as R4.DiagnosticReport, study, device, ...observations]) {
      expect({ resource: `${resource.resourceType}/${resource.id}`, problems: validationProblems(resource) }).toEqual({
        resource: `${resource.resourceType}/${resource.id}`,
        problems: [],
      });
    }
  });

  it('creates nothing new when the same report is delivered again without its stored references', async () => {
    const before = await counts();
    const writesBefore = (await fhir.writes()).length;
    const mongo = await MongoClient.connect(database.uri);
    try {
      const { ObjectId } = await import('mongodb');
      await mongo
        .db(databaseName)
        .collection('reports')
        .updateOne({ _id: new ObjectId(firstReportId) }, { $unset: { 'deliveries.fhir': '' } });
    } finally {
      await mongo.close();
    }
    await deliveredAt(firstReportId);
    expect((await fhir.writes()).length).toBeGreaterThan(writesBefore);
    expect(await counts()).toEqual(before);
    expect(await serverReportOf(firstReportId)).toHaveLength(1);
  });

  it('turns the server copy final when the doctor confirms in Osteon, updating the same resources', async () => {
    const before = await counts();
    expect((await api(engine, 'POST', `/api/reports/${firstReportId}/confirm`, { token: doctor })).status).toBe(200);
    await waitFor(async () => ((await serverReportOf(firstReportId))[0]?.status === 'final' ? true : undefined), 30_000, 200);
    expect(await counts()).toEqual(before);
    const observations = await search<R4.Observation>(
      `/Observation?identifier=urn:osteon:observation|${await keyOf(firstReportId)}-fracture`,
    );
    expect(observations.map((observation) => observation.status)).toEqual(['final']);
  });

  let outageReportId: string;

  it('retries while the FHIR server is down and delivers once when it is back', async () => {
    await fhir.stop();
    outageReportId = await upload('FHIR-2', 2);
    const failed = await waitFor(
      async () => {
        const detail = await report(outageReportId);
        return detail.deliveries.fhir?.status === 'failed' ? detail : undefined;
      },
      60_000,
      200,
    );
    expect(failed.deliveries.fhir?.error).toMatch(/unreachable/i);
    await fhir.restart();
    await deliveredAt(outageReportId);
    expect(await serverReportOf(outageReportId)).toHaveLength(1);
    const patients = await search<R4.Patient>('/Patient?identifier=urn:oid:1.2.826.0.1.999.1|FHIR-2');
    expect(patients).toHaveLength(1);
  });

  let rejectedReportId: string;

  it("dead-letters a report the server rejects with 4xx, with the server's reason, and delivers it on replay", async () => {
    await fhir.rejectWrites(422, 'Patient identifier system not allowed at this site');
    rejectedReportId = await upload('FHIR-3', 3);
    const dead = await waitFor(
      async () => {
        const detail = await report(rejectedReportId);
        return detail.deliveries.fhir?.status === 'dead' ? detail : undefined;
      },
      60_000,
      200,
    );
    expect(dead.deliveries.fhir?.error).toMatch(/422.*identifier system not allowed/);
    // The message browser keeps the transaction that was refused and the server's reason.
    const refused = JSON.parse(dead.deliveries.fhir?.message?.text ?? '{}') as R4.Bundle;
    expect(dead.deliveries.fhir?.message).toMatchObject({ contentType: 'application/fhir+json', truncated: false });
    expect(refused).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    expect(refused.entry?.map((entry) => entry.resource?.resourceType)).toContain('DiagnosticReport');
    expect(refused.entry?.every((entry) => entry.request?.method === 'POST')).toBe(true);
    expect(dead.deliveries.fhir?.log?.at(-1)).toMatchObject({ status: 'dead', error: expect.stringMatching(/422.*not allowed/) });
    const jobs = await api<{ items: Array<{ id: string; key: string; lastError: string }> }>(engine, 'GET', '/api/jobs?status=dead');
    const job = jobs.body.items.find((item) => item.key === `deliver-fhir:${rejectedReportId}`);
    expect(job?.lastError).toMatch(/identifier system not allowed/);
    expect(await serverReportOf(rejectedReportId)).toHaveLength(0);
    await fhir.acceptWrites();
    expect((await api(engine, 'POST', `/api/jobs/${job?.id}/replay`)).status).toBeLessThan(300);
    await deliveredAt(rejectedReportId);
    const [created] = await serverReportOf(rejectedReportId);
    expect(created).toBeDefined();
    // After the replay: the bundle that went through and the transaction-response, entry by entry.
    const delivered = (await report(rejectedReportId)).deliveries.fhir;
    const sent = JSON.parse(delivered?.message?.text ?? '{}') as R4.Bundle;
    const sentReport = sent.entry?.find((entry) => entry.resource?.resourceType === 'DiagnosticReport')?.resource as R4.DiagnosticReport;
    expect(sentReport.identifier).toEqual(created?.identifier);
    const answer = delivered?.log?.at(-1)?.answer ?? '';
    expect(delivered?.log?.at(-1)?.status).toBe('delivered');
    expect(answer).toMatch(/^transaction-response: Patient 20\d[^\n]*DiagnosticReport 201/);
    expect(answer).toContain(`DiagnosticReport/${created?.id}`);
  });

  it('ignores a sign-off on the server by a practitioner who is no Osteon doctor, audits it, and takes no pushed body as it is', async () => {
    const before = await report(outageReportId);
    const [serverCopy] = await serverReportOf(outageReportId);
    const forged: R4.DiagnosticReport = {
      ...(serverCopy as R4.DiagnosticReport),
      status: 'final',
      conclusion: 'No fracture. Discharge.',
      conclusionCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '281900007' }] }],
      resultsInterpreter: [{ reference: 'Practitioner/evil', display: 'EVIL' }],
    };
    const put = await fhir.request('PUT', `/DiagnosticReport/${serverCopy?.id}`, forged, {
      'if-match': `W/"${serverCopy?.meta?.versionId}"`,
    });
    expect(put.status).toBe(200);
    const refused = await waitFor(async () => {
      const audit = await api<{ items: Array<{ resourceId: string; details: { reason: string } }> }>(
        engine,
        'GET',
        `/api/audit?action=fhir.verdict.refused&resourceId=${outageReportId}`,
      );
      return audit.body.items[0];
    }, 30_000);
    expect(refused.details.reason).toContain('Practitioner/evil');
    // A pushed body without an id is not read as the server's word.
    const pushed = await api(engine, 'POST', '/api/fhir/notify', { json: { ...forged, id: undefined } });
    expect(pushed.body.processed).toEqual([{ action: 'ignore', reason: expect.stringContaining('no id') }]);
    const after = await report(outageReportId);
    expect(after.status).toBe(before.status);
    expect(after.reviews).toHaveLength(before.reviews.length);
    expect((await api(engine, 'GET', `/api/reports/${outageReportId}/labels`, { token: doctor })).body.items).toHaveLength(0);
  });

  it('amends the Osteon report and writes a training label when a doctor amends the report on the server', async () => {
    const before = await report(outageReportId);
    const [serverCopy] = await serverReportOf(outageReportId);
    const flipped = !before.findings.fracture;
    const amended: R4.DiagnosticReport = {
      ...(serverCopy as R4.DiagnosticReport),
      status: 'amended',
      conclusion: 'Reviewed in the EHR: conclusion changed by the radiologist.',
      conclusionCode: [
        {
          coding: [
            flipped ? { system: 'http://snomed.info/sct', code: '125605004' } : { system: 'http://snomed.info/sct', code: '281900007' },
          ],
        },
      ],
      resultsInterpreter: [{ reference: 'Practitioner/dr-grey', display: 'Dr Grey' }],
    };
    const put = await fhir.request('PUT', `/DiagnosticReport/${serverCopy?.id}`, amended, {
      'if-match': `W/"${serverCopy?.meta?.versionId}"`,
    });
    expect(put.status).toBe(200);
    const after = await waitFor(
      async () => {
        const detail = await report(outageReportId);
        return detail.status === 'amended' ? detail : undefined;
      },
      30_000,
      200,
    );
    expect(after.review).toMatchObject({
      source: 'fhir',
      agreed: false,
      by: { id: expect.stringMatching(/^[0-9a-f]{24}$/), username: 'dr.grey', role: 'doctor' },
      verdict: { fracture: flipped, conclusion: amended.conclusion },
    });
    const labels = await api(engine, 'GET', `/api/reports/${outageReportId}/labels`, { token: doctor });
    expect(labels.body.items.length).toBeGreaterThan(0);
    expect(labels.body.items[0]).toMatchObject({ verdict: 'amended', label: { fracture: flipped } });
    // Osteon's re-delivery of the amended report is its own change: later polls do not take it again.
    await waitFor(
      async () => ((await serverReportOf(outageReportId))[0]?.meta?.versionId !== put.etag?.replace(/^W\/"|"$/g, '') ? true : undefined),
      30_000,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await report(outageReportId)).reviews.filter((review) => review.source === 'fhir')).toHaveLength(1);
  });

  it("re-reads and merges after a stale If-Match, keeping what the EHR added and writing the doctor's sign-off", async () => {
    const [serverCopy] = await serverReportOf(rejectedReportId);
    const withForm: R4.DiagnosticReport = {
      ...(serverCopy as R4.DiagnosticReport),
      presentedForm: [{ contentType: 'application/pdf', url: 'http://ehr.example/pdf/1', title: 'EHR rendering' }],
    };
    expect((await fhir.request('PUT', `/DiagnosticReport/${serverCopy?.id}`, withForm)).status).toBe(200);
    const writesBefore = (await fhir.writes()).length;
    expect((await api(engine, 'POST', `/api/reports/${rejectedReportId}/confirm`, { token: doctor })).status).toBe(200);
    const final = await waitFor(
      async () => {
        const [copy] = await serverReportOf(rejectedReportId);
        return copy?.status === 'final' ? copy : undefined;
      },
      30_000,
      200,
    );
    expect(final.presentedForm?.[0]?.url).toBe('http://ehr.example/pdf/1');
    // Signed with the doctor's display name; the identifier keeps pointing at the Osteon account.
    expect(final.resultsInterpreter).toEqual([
      { display: 'Dr. Allison Cameron', identifier: expect.objectContaining({ value: expect.any(String) }) },
    ]);
    const writes = (await fhir.writes()).slice(writesBefore);
    expect(writes.map((write) => write.status)).toContain(412);
    expect((await report(rejectedReportId)).status).toBe('final');
  });

  it("serves Osteon's own reports as FHIR R4 for an EHR that pulls", async () => {
    const read = await fetch(`http://127.0.0.1:${engine.httpPort}/fhir/DiagnosticReport/${firstReportId}`, {
      headers: { authorization: `Bearer ${doctor}` },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    const body = (await read.json()) as R4.DiagnosticReport;
    expect(body).toMatchObject({ resourceType: 'DiagnosticReport', id: firstReportId, status: 'final' });
    expect(body.contained?.map((resource) => resource.resourceType).sort()).toEqual([
      'Device',
      'ImagingStudy',
      'Observation',
      'Observation',
      'Observation',
      'Observation',
      'Patient',
    ]);
    const bundle = await api<R4.Bundle>(engine, 'GET', '/fhir/DiagnosticReport?patient=FHIR-1&status=final', { token: doctor });
    expect(bundle.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const missing = await api(engine, 'GET', '/fhir/DiagnosticReport/000000000000000000000000', { token: doctor });
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    expect((await api(engine, 'GET', '/fhir/DiagnosticReport', { token: clerk })).status).toBe(403);
  });

  it('takes a pushed notification through the same path and refuses it without the operator credential', async () => {
    const [serverCopy] = await serverReportOf(firstReportId);
    expect((await api(engine, 'POST', '/api/fhir/notify', { token: doctor, json: serverCopy })).status).toBe(403);
    const notified = await api(engine, 'POST', '/api/fhir/notify', {
      json: { resourceType: 'Bundle', type: 'history', entry: [{ resource: serverCopy }] },
    });
    expect(notified.status).toBe(200);
    expect(notified.body.processed).toEqual([{ id: serverCopy?.id, action: 'ignore', reason: expect.any(String) }]);
  });
  it('withdraws the Osteon report when a doctor marks the server copy entered-in-error', async () => {
    const [serverCopy] = await serverReportOf(rejectedReportId);
    const withdrawn: R4.DiagnosticReport = {
      ...(serverCopy as R4.DiagnosticReport),
      status: 'entered-in-error',
      performer: [{ reference: 'Practitioner/dr-white', display: 'Dr White' }],
    };
    expect(
      (await fhir.request('PUT', `/DiagnosticReport/${serverCopy?.id}`, withdrawn, { 'if-match': `W/"${serverCopy?.meta?.versionId}"` }))
        .status,
    ).toBe(200);
    const after = await waitFor(
      async () => {
        const detail = await report(rejectedReportId);
        return detail.status === 'entered-in-error' ? detail : undefined;
      },
      30_000,
      200,
    );
    expect(after.statusHistory.at(-1)).toMatchObject({
      status: 'entered-in-error',
      by: { username: 'dr.white', role: 'doctor' },
    });
  });
  it('publishes the signed patient PDF as a DocumentReference linked to the DiagnosticReport, and replaces it on amendment', async () => {
    const firstKey = await keyOf(firstReportId);
    const documentsOf = () => search<R4.DocumentReference>(`/DocumentReference?identifier=urn:osteon:report|${firstKey}/patient-pdf`);
    // The rejection test above also refused this document (same patient identifier rule): replay it.
    const dead = await api<{ items: Array<{ id: string }> }>(engine, 'GET', '/api/jobs?type=deliver-fhir-document&status=dead');
    for (const job of dead.body.items) expect((await api(engine, 'POST', `/api/jobs/${job.id}/replay`)).status).toBe(201);
    const [document] = await waitFor(
      async () => {
        const found = await documentsOf();
        return found.length === 1 ? found : undefined;
      },
      30_000,
      200,
    );
    const [diagnosticReport] = await serverReportOf(firstReportId);
    expect(document).toMatchObject({
      status: 'current',
      docStatus: 'final',
      context: { related: [{ reference: `DiagnosticReport/${diagnosticReport?.id}` }] },
    });
    const attachment = document?.content[0]?.attachment;
    expect(attachment?.contentType).toBe('application/pdf');
    expect(Buffer.from(attachment?.data ?? '', 'base64').toString('latin1', 0, 5)).toBe('%PDF-');
    const amended = await api(engine, 'POST', `/api/reports/${firstReportId}/amend`, {
      token: doctor,
      json: { fracture: true, countClass: '1', bodyPart: 'hand', conclusion: 'Fracture confirmed on review.' },
    });
    expect(amended.status).toBe(200);
    const updated = await waitFor(
      async () => {
        const found = await documentsOf();
        return found.length === 1 && found[0]?.docStatus === 'amended' ? found[0] : undefined;
      },
      30_000,
      200,
    );
    expect(updated.id).toBe(document?.id);
    expect(updated.meta?.versionId).not.toBe(document?.meta?.versionId);
  });
});
