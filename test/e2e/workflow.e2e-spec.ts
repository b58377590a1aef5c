import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { dcmsend } from '../support/dcmtk';
import { FIXTURE_IMAGES, fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

interface WorklistItem {
  id: string;
  studyInstanceUid: string;
  status: string;
  urgency: string;
  findings: { fracture: boolean; probability: number; countClass: string; bodyPart: string };
  modelVersion: string;
  createdAt: string;
  imageCount: number;
}

describe('study workflow: image in → AI draft → doctor review → training label', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let images: string[];
  let doctor: string;
  let adminWorker: string;
  let modelVersion: string;

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('workflow');
    images = await fixtureImageNames();
    const models = await modelsDirForTests();
    const current = JSON.parse(await fs.readFile(path.join(models.dir, 'current.json'), 'utf8')) as { version: string };
    modelVersion = current.version;
    process.stdout.write(`workflow suite uses the ${models.shipped ? 'shipped' : 'smoke'} model ${modelVersion}\n`);
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `workflow_${Date.now()}`,
      env: { OSTEON_MODELS_DIR: models.dir, OSTEON_STUDY_IDLE_MS: '400' },
    });
    doctor = await userToken(engine, 'dr-house', 'doctor');
    adminWorker = await userToken(engine, 'clerk-1', 'admin-worker');
  });

  afterAll(async () => {
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const reportFor = (studyInstanceUid: string, minImages = 1): Promise<WorklistItem> =>
    waitFor(
      async () => {
        const page = await api<{ items: WorklistItem[]; total: number }>(
          engine,
          'GET',
          `/api/reports?studyInstanceUid=${studyInstanceUid}`,
          { token: doctor },
        );
        const item = page.body.items[0];
        return item && item.imageCount >= minImages ? item : undefined;
      },
      60_000,
      200,
    );

  let dicomStudy: string;
  let dicomReportId: string;

  it('turns a 2-image study sent with dcmtk into one preliminary report with the model findings', async () => {
    const first = await makeInstance(
      images[4] as string,
      path.join(workspace.dir, 'study1', 'a.dcm'),
      { patientId: 'WF-1' },
      { bodyPartExamined: 'HAND' },
    );
    const second = await makeInstance(
      images[5] as string,
      path.join(workspace.dir, 'study1', 'b.dcm'),
      { patientId: 'WF-1' },
      { studyInstanceUid: first.studyInstanceUid, instanceNumber: 2 },
    );
    dicomStudy = first.studyInstanceUid;
    const report = await dcmsend([first.file, second.file], engine.dicomPort);
    expect([...report.statuses.values()]).toEqual([0, 0]);
    const item = await reportFor(dicomStudy, 2);
    dicomReportId = item.id;
    expect(item).toMatchObject({ status: 'preliminary', modelVersion, imageCount: 2 });
    expect(item.findings.probability).toBeGreaterThanOrEqual(0);
    expect(item.findings.probability).toBeLessThanOrEqual(1);
    expect(['urgent', 'soon', 'routine']).toContain(item.urgency);
    const detail = await api(engine, 'GET', `/api/reports/${item.id}`, { token: doctor });
    expect(detail.status).toBe(200);
    expect(detail.body.images).toHaveLength(2);
    const handImage = detail.body.images.find((image: { sopInstanceUid: string }) => image.sopInstanceUid === first.sopInstanceUid);
    expect(handImage.findings).toMatchObject({ bodyPart: 'hand', bodyPartSource: 'dicom' });
    const heatmap = await fetch(`http://127.0.0.1:${engine.httpPort}${handImage.heatmapUrl}`, {
      headers: { authorization: `Bearer ${doctor}` },
    });
    expect(heatmap.status).toBe(200);
    expect(heatmap.headers.get('content-type')).toBe('image/png');
    const file = await fetch(`http://127.0.0.1:${engine.httpPort}${handImage.imageUrl}`, {
      headers: { authorization: `Bearer ${doctor}` },
    });
    expect(Buffer.from(await file.arrayBuffer()).toString('latin1', 128, 132)).toBe('DICM');
  });

  it('keeps what the AI said beside the doctor amendment and writes one training label per image', async () => {
    const detail = await api(engine, 'GET', `/api/reports/${dicomReportId}`, { token: doctor });
    const ai = detail.body.findings;
    const verdict = { fracture: !ai.fracture, countClass: ai.fracture ? '0' : '1', bodyPart: 'hand', conclusion: 'Doctor disagrees.' };
    const amended = await api(engine, 'POST', `/api/reports/${dicomReportId}/amend`, { token: doctor, json: verdict });
    expect(amended.status).toBe(200);
    expect(amended.body.status).toBe('amended');
    expect(amended.body.review).toMatchObject({
      agreed: false,
      verdict,
      aiFindings: { fracture: ai.fracture },
      modelVersion,
      by: { username: 'dr-house' },
    });
    const labels = await api(engine, 'GET', `/api/reports/${dicomReportId}/labels`, { token: doctor });
    expect(labels.body.items).toHaveLength(2);
    for (const label of labels.body.items) {
      expect(label).toMatchObject({
        verdict: 'amended',
        granularity: 'study',
        modelVersion,
        label: { fracture: verdict.fracture },
        labelledBy: { username: 'dr-house' },
      });
      expect(label.imageSha256).toMatch(/^[0-9a-f]{64}$/);
      const image = detail.body.images.find((candidate: { sopInstanceUid: string }) => candidate.sopInstanceUid === label.sopInstanceUid);
      expect(label.ai.fracture).toBe(image.findings.fracture);
    }
  });

  it('updates the same report when a late image arrives, re-opening it for review', async () => {
    const late = await makeInstance(
      images[6] as string,
      path.join(workspace.dir, 'study1', 'late.dcm'),
      { patientId: 'WF-1' },
      { studyInstanceUid: dicomStudy, instanceNumber: 3 },
    );
    expect((await dcmsend([late.file], engine.dicomPort)).statuses.get(late.sopInstanceUid)).toBe(0);
    const item = await reportFor(dicomStudy, 3);
    expect(item.id).toBe(dicomReportId);
    expect(item.status).toBe('preliminary');
    const all = await api(engine, 'GET', `/api/reports?studyInstanceUid=${dicomStudy}`, { token: doctor });
    expect(all.body.total).toBe(1);
  });

  it('takes a JPEG and a PNG uploaded for a new patient through the same path to a report the doctor confirms', async () => {
    const png = await sharp(path.join(FIXTURE_IMAGES, images[7] as string))
      .png()
      .toBuffer();
    const jpeg = await fs.readFile(path.join(FIXTURE_IMAGES, images[8] as string));
    const form = new FormData();
    form.append('patientId', 'WF-UPLOAD-1');
    form.append('patientName', 'UPLOAD^PATIENT');
    form.append('birthDate', '1980-02-03');
    form.append('sex', 'F');
    form.append('images', new Blob([jpeg], { type: 'image/jpeg' }), 'wrist.jpg');
    form.append('images', new Blob([png], { type: 'image/png' }), 'wrist-lateral.png');
    const uploaded = await api(engine, 'POST', '/api/records', { token: adminWorker, form });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.studyInstanceUids).toHaveLength(1);
    expect(uploaded.body.instances.map((instance: { outcome: string }) => instance.outcome)).toEqual(['stored', 'stored']);
    const study = await api(engine, 'GET', `/api/studies/${uploaded.body.studyInstanceUids[0]}`, { token: adminWorker });
    expect(study.body).toMatchObject({ patientId: 'WF-UPLOAD-1' });
    expect(study.body.instances).toHaveLength(2);
    const item = await reportFor(uploaded.body.studyInstanceUids[0], 2);
    const confirmed = await api(engine, 'POST', `/api/reports/${item.id}/confirm`, { token: doctor });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('final');
    const again = await api(engine, 'POST', `/api/reports/${item.id}/confirm`, { token: doctor });
    expect(again.status).toBe(409);
    const labels = await api(engine, 'GET', `/api/reports/${item.id}/labels`, { token: doctor });
    expect(labels.body.items.map((label: { verdict: string; granularity: string }) => [label.verdict, label.granularity])).toEqual([
      ['agreed', 'image'],
      ['agreed', 'image'],
    ]);
  });

  it('refuses an upload that is not an image and a DICOM file of another patient', async () => {
    const form = new FormData();
    form.append('patientId', 'WF-UPLOAD-2');
    form.append('images', new Blob([Buffer.from('not an image at all')], { type: 'text/plain' }), 'notes.txt');
    const refused = await api(engine, 'POST', '/api/records', { token: adminWorker, form });
    expect(refused.status).toBe(400);
    const other = await makeInstance(images[9] as string, path.join(workspace.dir, 'other.dcm'), { patientId: 'SOMEONE-ELSE' });
    const mixUp = new FormData();
    mixUp.append('patientId', 'WF-UPLOAD-2');
    mixUp.append('images', new Blob([await fs.readFile(other.file)], { type: 'application/dicom' }), 'other.dcm');
    const wrongPatient = await api(engine, 'POST', '/api/records', { token: adminWorker, form: mixUp });
    expect(wrongPatient.status).toBe(400);
    expect(JSON.stringify(wrongPatient.body)).toMatch(/another patient/);
    expect((await api(engine, 'GET', '/api/studies?patientId=WF-UPLOAD-2')).body.total).toBe(0);
  });

  it('reflects the reviews in the analytics', async () => {
    const agreement = await api(engine, 'GET', '/api/analytics/agreement', { token: doctor });
    const reviewed = agreement.body.items.reduce((sum: number, row: { reviewed: number }) => sum + row.reviewed, 0);
    const agreed = agreement.body.items.reduce((sum: number, row: { agreed: number }) => sum + row.agreed, 0);
    // The re-opened DICOM study is preliminary again; the confirmed upload is final and agreed.
    expect(reviewed).toBe(1);
    expect(agreed).toBe(1);
    const overTime = await api(engine, 'GET', '/api/analytics/reports-over-time?bucket=day', { token: doctor });
    expect(overTime.body.items.reduce((sum: number, row: { count: number }) => sum + row.count, 0)).toBe(2);
    const open = await api(engine, 'GET', '/api/analytics/open-reports', { token: doctor });
    expect(open.body.items).toEqual([expect.objectContaining({ doctor: 'dr-house', open: 1 })]);
    const turnaround = await api(engine, 'GET', '/api/analytics/turnaround', { token: doctor });
    expect(turnaround.body).toMatchObject({ reports: 2, signed: 1 });
    expect(turnaround.body.medianReceivedToPreliminarySeconds).toBeGreaterThan(0);
  });

  it('asks for a credential and the right role, and audits every report access', async () => {
    expect((await api(engine, 'GET', '/api/reports', { token: null })).status).toBe(401);
    expect((await api(engine, 'GET', '/api/reports', { token: adminWorker })).status).toBe(403);
    const form = new FormData();
    form.append('patientId', 'X');
    expect((await api(engine, 'POST', '/api/records', { token: doctor, form })).status).toBe(403);
    expect((await api(engine, 'POST', `/api/reports/${dicomReportId}/confirm`, { token: adminWorker })).status).toBe(403);
    const audit = await api(engine, 'GET', `/api/audit?resourceType=report&resourceId=${dicomReportId}`);
    const actions = audit.body.items.map((entry: { action: string; actorUsername: string }) => `${entry.actorUsername}:${entry.action}`);
    expect(actions).toEqual(expect.arrayContaining(['dr-house:report.read', 'dr-house:report.amend', 'dr-house:report.labels.read']));
    expect((await api(engine, 'GET', '/api/audit', { token: doctor })).status).toBe(403);
  });
});
