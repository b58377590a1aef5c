import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { startOrthanc, type OrthancPeer } from '../peers/orthanc-peer';
import { dcmsend, dcmtk } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

interface PacsDelivery {
  status: string;
  contentVersion: number;
  attempts: number;
  error?: string | null;
  references: {
    captureSeriesInstanceUid: string;
    reportSeriesInstanceUid: string;
    versions: { contentVersion: number; objects: { role: string; sopInstanceUid: string }[] }[];
  };
}

interface ReportDetail {
  id: string;
  status: string;
  findings: { fracture: boolean; probability: number };
  modelVersion: string;
  images: Array<{ findings: { box?: { x0: number; y0: number; x1: number; y1: number } } }>;
  deliveries: { pacs?: PacsDelivery };
}

interface OrthancSeries {
  ID: string;
  Instances: string[];
  MainDicomTags: { Modality: string; SeriesDescription?: string; SeriesInstanceUID: string };
}

const ENGINE_AE = 'OSTEON';
// Where the test leaves the rendered Secondary Capture, for a person to look at.
const PREVIEW_DIR = process.env.OSTEON_TEST_ARTIFACTS ?? path.join(os.tmpdir(), 'osteon-test-artifacts');

describe('results back into the PACS: Secondary Capture images and a structured report in Orthanc', () => {
  let database: TestDatabase;
  let engine: Engine;
  let orthanc: OrthancPeer;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let images: string[];
  let doctor: string;

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('pacs');
    images = await fixtureImageNames();
    const models = await modelsDirForTests();
    // Orthanc knows the engine's AE; it never calls back, so the port is a placeholder.
    orthanc = await startOrthanc({ dir: path.join(workspace.dir, 'orthanc'), modalities: { osteon: [ENGINE_AE, '127.0.0.1', 11112] } });
    process.stdout.write(`pacs suite: Orthanc ${orthanc.version}, ${models.shipped ? 'shipped' : 'smoke'} model, ${database.kind}\n`);
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `pacs_${Date.now()}`,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '400',
        // Every image counts as suspected, so each one carries the heat-map overlay.
        OSTEON_FRACTURE_THRESHOLD: '0.000001',
        OSTEON_AE_TITLE: ENGINE_AE,
        OSTEON_PACS_AE: orthanc.aeTitle,
        OSTEON_PACS_HOST: '127.0.0.1',
        OSTEON_PACS_PORT: String(orthanc.dicomPort),
        OSTEON_PACS_TIMEOUT_MS: '5000',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_JOB_MAX_ATTEMPTS: '12',
        OSTEON_LOG_LEVEL: process.env.OSTEON_TEST_LOG_LEVEL ?? 'info',
      },
    });
    doctor = await userToken(engine, 'dr-pacs', 'doctor', { displayName: 'Dr. James Wilson' });
  });

  afterAll(async () => {
    if (process.env.OSTEON_TEST_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_TEST_ENGINE_LOG, engine.process.output());
    await engine?.stop();
    await orthanc?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const reportFor = (studyInstanceUid: string, minImages: number): Promise<ReportDetail> =>
    waitFor(async () => {
      const page = await api<{ items: { id: string; imageCount: number }[] }>(
        engine,
        'GET',
        `/api/reports?studyInstanceUid=${studyInstanceUid}`,
        { token: doctor },
      );
      const item = page.body.items[0];
      return item && item.imageCount >= minImages
        ? (await api<ReportDetail>(engine, 'GET', `/api/reports/${item.id}`, { token: doctor })).body
        : undefined;
    }, 60_000);

  const pacsDelivery = (
    reportId: string,
    accept: (delivery: PacsDelivery, report: ReportDetail) => boolean,
    timeoutMs = 60_000,
  ): Promise<ReportDetail> =>
    waitFor(async () => {
      const report = (await api<ReportDetail>(engine, 'GET', `/api/reports/${reportId}`, { token: doctor })).body;
      return report.deliveries.pacs && accept(report.deliveries.pacs, report) ? report : undefined;
    }, timeoutMs);

  // The report view has no contentVersion: a delivery newer than the last one seen is the new content's.
  const deliveredAfter =
    (seenVersion: number) =>
    (delivery: PacsDelivery): boolean =>
      delivery.status === 'delivered' && delivery.contentVersion > seenVersion;
  let deliveredVersion = 0;

  const orthancStudy = async (studyInstanceUid: string): Promise<OrthancSeries[]> => {
    const found = await orthanc.post<{ ID: string }[]>('/tools/lookup', studyInstanceUid);
    const study = found[0];
    if (!study) return [];
    return orthanc.getJson<OrthancSeries[]>(`/studies/${study.ID}/series`);
  };

  const tags = (instanceId: string): Promise<Record<string, unknown>> => orthanc.getJson(`/instances/${instanceId}/tags?simplify`);

  const dump = async (instanceId: string, tool: 'dcmdump' | 'dsrdump', args: string[] = []): Promise<string> => {
    const file = path.join(workspace.dir, `${instanceId}.dcm`);
    await fs.writeFile(file, await orthanc.getBytes(`/instances/${instanceId}/file`));
    const result = await dcmtk(tool, [...args, file]);
    expect(result.code).toBe(0);
    return result.output;
  };

  let study: { studyInstanceUid: string; sopInstanceUids: string[] };
  let reportId: string;
  let firstReportUid: string;

  it('stores an SC series and an SR for an analysed study in the same study, with the patient and study copied', async () => {
    const first = await makeInstance(
      images[0] as string,
      path.join(workspace.dir, 'study1', 'a.dcm'),
      { patientId: 'PACS-1', patientName: 'Müller^Jürgen', birthDate: '19700101', sex: 'M' },
      { bodyPartExamined: 'HAND', accessionNumber: 'ACC-PACS-1' },
    );
    const second = await makeInstance(
      images[1] as string,
      path.join(workspace.dir, 'study1', 'b.dcm'),
      { patientId: 'PACS-1', patientName: 'Müller^Jürgen', birthDate: '19700101', sex: 'M' },
      { studyInstanceUid: first.studyInstanceUid, accessionNumber: 'ACC-PACS-1', instanceNumber: 2 },
    );
    study = { studyInstanceUid: first.studyInstanceUid, sopInstanceUids: [first.sopInstanceUid, second.sopInstanceUid] };
    expect([...(await dcmsend([first.file, second.file], engine.dicomPort)).statuses.values()]).toEqual([0, 0]);
    reportId = (await reportFor(study.studyInstanceUid, 2)).id;
    const report = await pacsDelivery(reportId, deliveredAfter(0));
    const delivery = report.deliveries.pacs as PacsDelivery;
    deliveredVersion = delivery.contentVersion;
    expect(delivery.references.versions).toHaveLength(1);
    expect(delivery.references.versions[0]?.objects.map((object) => object.role).sort()).toEqual([
      'secondary-capture',
      'secondary-capture',
      'structured-report',
    ]);

    const series = await orthancStudy(study.studyInstanceUid);
    const captures = series.find((candidate) => candidate.MainDicomTags.SeriesDescription === 'Osteon AI');
    const reports = series.find((candidate) => candidate.MainDicomTags.Modality === 'SR');
    expect(series).toHaveLength(2);
    expect(captures?.Instances).toHaveLength(2);
    expect(captures?.MainDicomTags.SeriesInstanceUID).toBe(delivery.references.captureSeriesInstanceUid);
    expect(reports?.Instances).toHaveLength(1);
    for (const instanceId of captures?.Instances ?? []) {
      const sc = await tags(instanceId);
      expect(sc).toMatchObject({
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
        StudyInstanceUID: study.studyInstanceUid,
        PatientID: 'PACS-1',
        PatientName: 'Müller^Jürgen',
        PatientBirthDate: '19700101',
        PatientSex: 'M',
        AccessionNumber: 'ACC-PACS-1',
        ImageType: 'DERIVED\\SECONDARY',
        BurnedInAnnotation: 'YES',
        PhotometricInterpretation: 'RGB',
        SamplesPerPixel: '3',
      });
      const source = (sc.SourceImageSequence as { ReferencedSOPInstanceUID: string }[])[0]?.ReferencedSOPInstanceUID;
      expect(study.sopInstanceUids).toContain(source);
      expect(sc.SOPInstanceUID).not.toBe(source);
    }
    const header = await dump(captures?.Instances[0] as string, 'dcmdump');
    expect(header).toMatch(/\(0028,0006\) US 0\s/);
    expect(header).toMatch(/\(0008,103e\) LO \[Osteon AI\]/);
    expect(header).toMatch(/\(0008,2111\) ST \[Osteon AI fracture triage/);
    firstReportUid = (await tags(reports?.Instances[0] as string)).SOPInstanceUID as string;
  });

  it('renders the SC image with the banner burned in, and the heat-map overlay where the model marked a region', async () => {
    const series = await orthancStudy(study.studyInstanceUid);
    const captures = series.find((candidate) => candidate.MainDicomTags.SeriesDescription === 'Osteon AI') as OrthancSeries;
    const sc = await tags(captures.Instances[0] as string);
    const sourceUid = (sc.SourceImageSequence as { ReferencedSOPInstanceUID: string }[])[0]?.ReferencedSOPInstanceUID;
    // Orthanc decodes the stored pixels itself: what any viewer would show.
    const png = await orthanc.getBytes(`/instances/${captures.Instances[0]}/preview`);
    await fs.mkdir(PREVIEW_DIR, { recursive: true });
    await fs.writeFile(path.join(PREVIEW_DIR, 'pacs-secondary-capture.png'), png);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const isBannerInk = (i: number): boolean => data[i]! > 200 && data[i + 1]! > 170 && data[i + 2]! < 90;
    const isOverlay = (i: number): boolean => data[i]! > data[i + 1]! + 40 && data[i]! > data[i + 2]! + 60;
    let ink = 0;
    let overlay = 0;
    const bannerRows = Math.ceil(info.height * 0.08);
    for (let y = 0; y < info.height; y += 1) {
      for (let x = 0; x < info.width; x += 1) {
        const i = (y * info.width + x) * 3;
        if (y < bannerRows && isBannerInk(i)) ink += 1;
        if (y >= bannerRows && isOverlay(i)) overlay += 1;
      }
    }
    expect(ink).toBeGreaterThan(50);
    // The overlay follows the model's own heat map: a region where it has one, nothing where it is flat.
    const detail = await api<{ images: { sopInstanceUid: string; heatmapUrl: string }[] }>(engine, 'GET', `/api/reports/${reportId}`, {
      token: doctor,
    });
    const heatmapUrl = detail.body.images.find((image) => image.sopInstanceUid === sourceUid)?.heatmapUrl as string;
    const heatmap = await fetch(`http://127.0.0.1:${engine.httpPort}${heatmapUrl}`, { headers: { authorization: `Bearer ${doctor}` } });
    const heat = await sharp(Buffer.from(await heatmap.arrayBuffer()))
      .raw()
      .toBuffer();
    const range = heat.reduce((high, value) => Math.max(high, value), 0) - heat.reduce((low, value) => Math.min(low, value), 255);
    process.stdout.write(`heat-map range ${range}/255, overlay pixels ${overlay}, preview in ${PREVIEW_DIR}\n`);
    if (range > 2) expect(overlay).toBeGreaterThan(100);
    else expect(overlay).toBe(0);
  });

  it('writes the findings into the SR content tree, as an unverified AI draft referencing the originals', async () => {
    const report = (await api<ReportDetail>(engine, 'GET', `/api/reports/${reportId}`, { token: doctor })).body;
    const series = await orthancStudy(study.studyInstanceUid);
    const sr = series.find((candidate) => candidate.MainDicomTags.Modality === 'SR') as OrthancSeries;
    const tree = await dump(sr.Instances[0] as string, 'dsrdump', ['+Pu', '+Pl']);
    expect(tree).toMatch(/Comprehensive SR Document/);
    expect(tree).toMatch(/Completion Flag\s+: PARTIAL/);
    expect(tree).toMatch(/Verification Flag\s+: UNVERIFIED/);
    expect(tree).toMatch(/^<CONTAINER:\(,,"Imaging Measurement Report"\)=SEPARATE>/m);
    expect(tree).toContain('TEXT:(,,"Device Observer Name")="AI, not verified"');
    expect(tree).toContain(`TEXT:(,,"Device Observer Model Name")="Osteon fracture triage ${report.modelVersion}"`);
    expect(tree).toMatch(/"Qualitative Evaluations"\)=SEPARATE>\s+<contains CODE:\(,,"Result source"\)=\(ai-draft,99OSTEON/);
    expect(tree).toMatch(/CODE:\(,,"Fracture of bone"\)=\(52101004,SCT,"Present"\)/);
    expect(tree).toMatch(/CODE:\(,,"Finding site"\)=\(\d+,SCT,/);
    expect(tree).toMatch(/CODE:\(,,"Number of fractures"\)=/);
    expect(tree).toMatch(/CODE:\(,,"Triage urgency"\)=/);
    // Every image is suspected here (threshold ~0): per image a measurement group with its point, and one
    // with its box's outline when the model has a box head (2.0.0 on: every image here has a top box).
    const boxed = report.images.filter((image) => image.findings.box).length;
    expect(tree.match(/<contains CONTAINER:\(,,"Measurement Group"\)=SEPARATE>/g)).toHaveLength(2 + boxed);
    expect(tree.match(/CODE:\(,,"Finding"\)=\(125605004,SCT,"Fracture of bone"\)/g)).toHaveLength(2 + boxed);
    expect(tree.match(/SCOORD:\(,,"Image Region"\)=\(POLYLINE,/g) ?? []).toHaveLength(boxed);
    expect(tree).toContain(`TEXT:(,,"Algorithm Version")="${report.modelVersion}"`);
    expect(tree).toMatch(/NUM:\(,,"Fracture probability"\)="[\d.]+" \(%,UCUM,"percent"\)>\s+<inferred from SCOORD:/);
    expect(tree).toMatch(/SCOORD:\(,,"Image Region"\)=\(POINT,[\d.]+\/[\d.]+\)>\s+<selected from IMAGE:/);
    for (const uid of study.sopInstanceUids) expect(tree).toContain(uid);
  });

  it('sends a verified SR naming the doctor and its predecessor when the doctor amends, without resending new images', async () => {
    const amended = await api(engine, 'POST', `/api/reports/${reportId}/amend`, {
      token: doctor,
      json: { fracture: false, countClass: '0', bodyPart: 'hand', conclusion: 'No fracture seen.' },
    });
    expect(amended.status).toBe(200);
    const report = await pacsDelivery(reportId, deliveredAfter(deliveredVersion));
    const amendedVersion = report.deliveries.pacs?.contentVersion as number;
    expect(report.deliveries.pacs?.references.versions.map((version) => version.contentVersion)).toEqual([
      deliveredVersion,
      amendedVersion,
    ]);
    deliveredVersion = amendedVersion;
    const series = await orthancStudy(study.studyInstanceUid);
    expect(series.find((candidate) => candidate.MainDicomTags.SeriesDescription === 'Osteon AI')?.Instances).toHaveLength(2);
    const srs = series.find((candidate) => candidate.MainDicomTags.Modality === 'SR') as OrthancSeries;
    expect(srs.Instances).toHaveLength(2);
    const latest = (await Promise.all(srs.Instances.map(async (id) => ({ id, tags: await tags(id) })))).find(
      (sr) => sr.tags.SOPInstanceUID !== firstReportUid,
    );
    expect(latest?.tags).toMatchObject({ VerificationFlag: 'VERIFIED', CompletionFlag: 'COMPLETE' });
    // Signed with the display name (a PN: family^given^middle^prefix), the login kept as the identifying code.
    expect(latest?.tags.VerifyingObserverSequence).toMatchObject([
      {
        VerifyingObserverName: 'Wilson^James^^Dr.',
        VerifyingObserverIdentificationCodeSequence: [{ CodeValue: 'dr-pacs', CodeMeaning: 'Dr. James Wilson' }],
      },
    ]);
    expect(JSON.stringify(latest?.tags.PredecessorDocumentsSequence)).toContain(firstReportUid);
    const tree = await dump(latest?.id as string, 'dsrdump');
    expect(tree).toContain('TEXT:(,,"Device Observer Name")="Osteon fracture triage"');
    expect(tree).toContain('PNAME:(,,"Person Observer Name")="Wilson^James^^Dr."');
    // The doctor's verdict under Qualitative Evaluations, the AI's marks kept beside it as measurements.
    expect(tree).toMatch(
      /"Qualitative Evaluations"\)=SEPARATE>\s+<contains CODE:\(,,"Result source"\)=\(doctor-amended,99OSTEON[^\n]*\s+<contains CODE:\(,,"Fracture of bone"\)=\(2667000,SCT,"Absent"\)/,
    );
    expect(tree).toMatch(/"Measurement Group"\)=SEPARATE>[\s\S]*CODE:\(,,"Finding"\)=\(125605004,SCT,"Fracture of bone"\)/);
    expect(tree).toContain('TEXT:(,,"Impression")="No fracture seen."');
  });

  it('sends a KOS rejection note for every object sent when the report is withdrawn', async () => {
    const withdrawn = await api(engine, 'POST', `/api/reports/${reportId}/withdraw`, { token: doctor, json: { reason: 'wrong patient' } });
    expect(withdrawn.status).toBe(200);
    const report = await pacsDelivery(reportId, deliveredAfter(deliveredVersion));
    const sentBefore = (report.deliveries.pacs?.references.versions ?? [])
      .flatMap((version) => version.objects)
      .filter((object) => object.role !== 'rejection-note')
      .map((object) => object.sopInstanceUid);
    expect(new Set(sentBefore).size).toBe(4);
    const series = await orthancStudy(study.studyInstanceUid);
    const notes = series.find((candidate) => candidate.MainDicomTags.Modality === 'KO') as OrthancSeries;
    expect(notes.Instances).toHaveLength(1);
    const tree = await dump(notes.Instances[0] as string, 'dsrdump', ['+Pu', '+Pl', '+Pc']);
    expect(tree).toMatch(/Key Object Selection Document/);
    expect(tree).toContain('<CONTAINER:(113001,DCM,"Rejected for Quality Reasons")=SEPARATE>');
    for (const uid of new Set(sentBefore)) expect(tree).toContain(uid);
  });

  it('retries while the PACS is down and delivers exactly once when it is back', async () => {
    await orthanc.stop();
    const made = await makeInstance(
      images[2] as string,
      path.join(workspace.dir, 'study2', 'a.dcm'),
      { patientId: 'PACS-2' },
      { bodyPartExamined: 'HAND' },
    );
    expect((await dcmsend([made.file], engine.dicomPort)).statuses.get(made.sopInstanceUid)).toBe(0);
    const id = (await reportFor(made.studyInstanceUid, 1)).id;
    const failing = await pacsDelivery(id, (delivery) => delivery.status === 'failed' && delivery.attempts >= 2);
    expect(failing.deliveries.pacs?.error).toMatch(/PACS unreachable/);
    await orthanc.restart();
    const delivered = await pacsDelivery(id, deliveredAfter(0));
    expect(delivered.deliveries.pacs?.attempts).toBeGreaterThanOrEqual(3);
    const series = await orthancStudy(made.studyInstanceUid);
    expect(series.map((candidate) => [candidate.MainDicomTags.Modality, candidate.Instances.length]).sort()).toEqual([
      ['OT', 1],
      ['SR', 1],
    ]);
  });

  it('does not count an object the PACS aborted as sent, and delivers once the PACS takes it', async () => {
    // Orthanc accepts the association (echo allowed) and aborts the C-STORE of an unknown AE.
    await orthanc.stop();
    await orthanc.restart({ modalities: {}, acceptUnknownAeTitles: false, extraConfig: { DicomAlwaysAllowEcho: true } });
    const made = await makeInstance(
      images[5] as string,
      path.join(workspace.dir, 'study4', 'a.dcm'),
      { patientId: 'PACS-4' },
      { bodyPartExamined: 'HAND' },
    );
    expect((await dcmsend([made.file], engine.dicomPort)).statuses.get(made.sopInstanceUid)).toBe(0);
    const id = (await reportFor(made.studyInstanceUid, 1)).id;
    const failing = await pacsDelivery(id, (delivery) => delivery.status === 'failed' && delivery.attempts >= 2);
    // The A-ABORT, or the reset of the socket Osteon was still writing the image to.
    expect(failing.deliveries.pacs?.error).toMatch(/association aborted by the PACS before it answered|ECONNRESET/);
    expect(await orthancStudy(made.studyInstanceUid)).toEqual([]);
    await orthanc.stop();
    await orthanc.restart({ modalities: { osteon: [ENGINE_AE, '127.0.0.1', 11112] }, acceptUnknownAeTitles: true, extraConfig: {} });
    await pacsDelivery(id, deliveredAfter(0));
    expect((await orthancStudy(made.studyInstanceUid)).length).toBe(2);
  });

  it('dead-letters the delivery with the reason when the PACS refuses Osteon, and delivers on replay', async () => {
    await orthanc.stop();
    await orthanc.restart({ modalities: {}, acceptUnknownAeTitles: false });
    const made = await makeInstance(
      images[3] as string,
      path.join(workspace.dir, 'study3', 'a.dcm'),
      { patientId: 'PACS-3' },
      { bodyPartExamined: 'HAND' },
    );
    expect((await dcmsend([made.file], engine.dicomPort)).statuses.get(made.sopInstanceUid)).toBe(0);
    const id = (await reportFor(made.studyInstanceUid, 1)).id;
    const dead = await pacsDelivery(id, (delivery) => delivery.status === 'dead');
    expect(dead.deliveries.pacs?.attempts).toBe(1);
    expect(dead.deliveries.pacs?.error).toMatch(
      /association rejected by the PACS \(permanent, service user: calling AE title not recognised\)/,
    );
    const jobs = await api<{ items: { id: string; status: string; lastError: string }[] }>(
      engine,
      'GET',
      `/api/jobs?status=dead&key=deliver-pacs:${id}`,
    );
    expect(jobs.body.items).toHaveLength(1);
    expect(jobs.body.items[0]?.lastError).toMatch(/association rejected/);
    expect(await orthancStudy(made.studyInstanceUid)).toEqual([]);

    await orthanc.stop();
    await orthanc.restart({ modalities: { osteon: [ENGINE_AE, '127.0.0.1', 11112] }, acceptUnknownAeTitles: false });
    expect((await api(engine, 'POST', `/api/jobs/${jobs.body.items[0]?.id}/replay`)).status).toBe(201);
    await pacsDelivery(id, deliveredAfter(0));
    expect((await orthancStudy(made.studyInstanceUid)).length).toBe(2);
  });
});
