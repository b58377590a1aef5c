import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { dcmsend } from '../support/dcmtk';
import { convertSyntax, fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, TEST_OPERATOR_API_KEY, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;

const value = (dataset: DicomJson | undefined, tag: string): unknown => dataset?.[tag]?.Value?.[0];

/** PS3.18 from the wire: the representations WADO-RS offers, and how DICOMweb answers bad input. */
describe('DICOMweb: metadata, frames, renderings, and the answers to bad requests', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let doctor: string;
  let clerk: string;
  let made: { file: string; sopInstanceUid: string; studyInstanceUid: string };
  let seriesUid: string;
  let compressed: string;

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('dicomweb-protocol');
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `dicomweb_protocol_${Date.now()}`,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '400',
        OSTEON_FRACTURE_THRESHOLD: '0.000001',
        OSTEON_DICOMWEB_MAX_STOW_MB: '1',
        OSTEON_JOB_BACKOFF_MS: '200',
      },
    });
    doctor = await userToken(engine, 'dr-web', 'doctor');
    clerk = await userToken(engine, 'clerk-web', 'admin-worker');
    const [image] = await fixtureImageNames();
    const plain = await makeInstance(
      image as string,
      path.join(workspace.dir, 'plain.dcm'),
      { patientId: 'DWP-1' },
      { bodyPartExamined: 'HAND' },
    );
    // A JPEG Lossless file as a modality would send it: frames come back in that syntax unless asked otherwise.
    compressed = path.join(workspace.dir, 'lossless.dcm');
    await convertSyntax(plain.file, compressed, 'jpeg-lossless');
    made = { ...plain, file: compressed };
    expect((await dcmsend([compressed], engine.dicomPort)).statuses.get(made.sopInstanceUid)).toBe(0);
    const series = await get(`/dicomweb/studies/${made.studyInstanceUid}/series`, 'application/dicom+json');
    seriesUid = value(((await series.json()) as DicomJson[])[0], '0020000E') as string;
  });

  afterAll(async () => {
    if (process.env.OSTEON_TEST_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_TEST_ENGINE_LOG, engine.process.output());
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  function get(urlPath: string, accept?: string, token: string | null = doctor): Promise<Response> {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept;
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(`http://127.0.0.1:${engine.httpPort}${urlPath}`, { headers });
  }

  const instanceUrl = (): string => `/dicomweb/studies/${made.studyInstanceUid}/series/${seriesUid}/instances/${made.sopInstanceUid}`;

  function stow(urlPath: string, parts: { type: string; body: Buffer }[], headers: Record<string, string> = {}): Promise<Response> {
    const boundary = `osteon-test-${randomUUID()}`;
    const chunks = parts.flatMap((part) => [
      Buffer.from(`--${boundary}\r\nContent-Type: ${part.type}\r\n\r\n`),
      part.body,
      Buffer.from('\r\n'),
    ]);
    const body = Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
    return fetch(`http://127.0.0.1:${engine.httpPort}${urlPath}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_OPERATOR_API_KEY}`,
        'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        accept: 'application/dicom+json',
        ...headers,
      },
      body,
    });
  }

  it('answers metadata as DICOM JSON with the pixel data as a bulk data URI that returns the stored bytes', async () => {
    const response = await get(`${instanceUrl()}/metadata`, 'application/dicom+json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/dicom\+json/);
    const [metadata] = (await response.json()) as DicomJson[];
    expect(value(metadata, '00080018')).toBe(made.sopInstanceUid);
    expect(value(metadata, '00100020')).toBe('DWP-1');
    const pixelData = metadata?.['7FE00010'];
    expect(pixelData?.Value).toBeUndefined();
    expect(pixelData?.BulkDataURI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dicomweb\/studies\/.+/);
    const bulk = await get(new URL(pixelData?.BulkDataURI as string).pathname, 'multipart/related; type="application/octet-stream"');
    expect(bulk.status).toBe(200);
  });

  it('serves a frame in the stored JPEG Lossless syntax by default and uncompressed when the Accept header asks', async () => {
    const [metadata] = (await (await get(`${instanceUrl()}/metadata`, 'application/dicom+json')).json()) as DicomJson[];
    const [rows, columns] = [value(metadata, '00280010') as number, value(metadata, '00280011') as number];
    const stored = await get(
      `${instanceUrl()}/frames/1`,
      'multipart/related; type="image/jls", multipart/related; type="image/jpeg"; transfer-syntax=*',
    );
    expect(stored.status).toBe(200);
    expect(stored.headers.get('content-type')).toMatch(/^multipart\/related; type="image\/jpeg"/);
    const storedBody = Buffer.from(await stored.arrayBuffer());
    expect(storedBody.includes(Buffer.from('transfer-syntax=1.2.840.10008.1.2.4.70'))).toBe(true);
    const raw = await get(
      `${instanceUrl()}/frames/1`,
      'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1',
    );
    expect(raw.status).toBe(200);
    const rawBody = Buffer.from(await raw.arrayBuffer());
    // One 8-bit frame plus the multipart framing.
    expect(rawBody.length).toBeGreaterThanOrEqual(rows * columns);
    expect(rawBody.length).toBeLessThan(rows * columns + 1024);
    expect((await get(`${instanceUrl()}/frames/2`, 'multipart/related; type="application/octet-stream"')).status).toBe(404);
  });

  it('renders with the window the reader asks for, and a thumbnail no larger than asked', async () => {
    const narrow = await get(`${instanceUrl()}/rendered?window=60,40`, 'image/png');
    const wide = await get(`${instanceUrl()}/rendered?window=128,256`, 'image/png');
    expect(narrow.status).toBe(200);
    expect(narrow.headers.get('content-type')).toBe('image/png');
    const a = await sharp(Buffer.from(await narrow.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const b = await sharp(Buffer.from(await wide.arrayBuffer()))
      .raw()
      .toBuffer();
    expect(a.data.equals(b)).toBe(false);
    const jpeg = await get(`${instanceUrl()}/rendered`, 'image/jpeg');
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    const thumbnail = await get(`/dicomweb/studies/${made.studyInstanceUid}/thumbnail?viewport=64,64`, 'image/jpeg');
    expect(thumbnail.status).toBe(200);
    const info = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(Math.max(info.width ?? 0, info.height ?? 0)).toBeLessThanOrEqual(64);
  });

  it('answers each resource on its study, series and instance routes, scoped by the path', async () => {
    const study = `/dicomweb/studies/${made.studyInstanceUid}`;
    const series = `${study}/series/${seriesUid}`;
    for (const scope of [study, series, instanceUrl()]) {
      const metadata = await get(`${scope}/metadata`, 'application/dicom+json');
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as DicomJson[]).map((dataset) => value(dataset, '00080018'))).toContain(made.sopInstanceUid);
      const retrieved = await get(scope, 'multipart/related; type="application/dicom"');
      expect(retrieved.status).toBe(200);
      expect(Buffer.from(await retrieved.arrayBuffer()).includes(Buffer.from(made.sopInstanceUid))).toBe(true);
      expect((await get(`${scope}/thumbnail`, 'image/jpeg')).status).toBe(200);
    }
    expect((await get(`${instanceUrl()}/frames/1/thumbnail`, 'image/jpeg')).status).toBe(200);
    expect((await get(`${instanceUrl()}/frames/1,2/thumbnail`, 'image/jpeg')).status).toBe(400);
    // each read at each level is audited under its study, with how many instances it served
    for (const action of ['study.retrieve', 'study.metadata']) {
      const audited = await api<{ items: Array<{ details: { instances: number } }> }>(
        engine,
        'GET',
        `/api/audit?action=${action}&resourceId=${made.studyInstanceUid}`,
      );
      expect(audited.body.items.length).toBeGreaterThanOrEqual(3);
      for (const entry of audited.body.items) expect(entry.details.instances).toBeGreaterThan(0);
    }
    for (const search of ['/dicomweb/series', `${study}/series`, '/dicomweb/instances', `${study}/instances`, `${series}/instances`]) {
      const found = await get(`${search}?PatientID=DWP-1`, 'application/dicom+json');
      expect(found.status).toBe(200);
      expect(((await found.json()) as DicomJson[]).length).toBeGreaterThan(0);
    }
    const elsewhere = await get(`/dicomweb/studies/1.2.3.999/series/${seriesUid}/instances`, 'application/dicom+json');
    // The path's study is part of the search: the series is not known under another study.
    expect(elsewhere.status).toBe(404);
    expect(((await elsewhere.json()) as { code: string }).code).toBe('DICOMWEB_SERIES_NOT_FOUND');
  });

  it('answers unknown UIDs with 404, bad parameters with 400 naming them, and unsupported Accept with 406', async () => {
    const missing = await get(`/dicomweb/studies/1.2.3.999/metadata`, 'application/dicom+json');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json|dicom\+json/);
    expect((await get(`/dicomweb/studies/${made.studyInstanceUid}/series/1.2.3.999/instances`, 'application/dicom+json')).status).toBe(404);
    for (const [query, name] of [
      ['limit=many', 'limit'],
      ['offset=-1', 'offset'],
      ['StudyDate=2026-13-45', 'StudyDate'],
      ['includefield=NoSuchKeyword', 'includefield'],
    ]) {
      const bad = await get(`/dicomweb/studies?${query}`, 'application/dicom+json');
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain(name);
    }
    expect((await get(`/dicomweb/studies/not-a-uid/series`, 'application/dicom+json')).status).toBe(400);
    expect((await get('/dicomweb/studies', 'text/html')).status).toBe(406);
    expect((await get(`${instanceUrl()}/rendered`, 'image/gif')).status).toBe(406);
    expect((await get(instanceUrl(), 'multipart/related; type="application/pdf"')).status).toBe(406);
  });

  it('asks for the same credentials and roles as the rest of the API', async () => {
    expect((await get('/dicomweb/studies', 'application/dicom+json', null)).status).toBe(401);
    expect((await get('/dicomweb/studies', 'application/dicom+json', clerk)).status).toBe(403);
    const limited = await get('/dicomweb/studies?limit=1&offset=0', 'application/dicom+json');
    expect(((await limited.json()) as unknown[]).length).toBe(1);
  });

  it('refuses STOW parts that are not DICOM or fail validation one by one, and stores nothing for them', async () => {
    const other = await makeInstance((await fixtureImageNames())[1] as string, path.join(workspace.dir, 'other.dcm'), {
      patientId: 'DWP-2',
    });
    const notDicom = await stow('/dicomweb/studies', [{ type: 'application/dicom', body: Buffer.from('this is not a DICOM file at all') }]);
    expect(notDicom.status).toBe(409);
    const notDicomBody = (await notDicom.json()) as DicomJson;
    expect(notDicomBody['00081198']).toBeDefined();
    // An instance of another study posted to /studies/{study}: a per-instance failure, the rest stored.
    const mixed = await stow(`/dicomweb/studies/${made.studyInstanceUid}`, [
      { type: 'application/dicom', body: await fs.readFile(other.file) },
      { type: 'application/dicom', body: await fs.readFile(compressed) },
    ]);
    expect([200, 202, 409]).toContain(mixed.status);
    const mixedBody = (await mixed.json()) as Record<string, { Value?: DicomJson[] }>;
    const failed = mixedBody['00081198']?.Value ?? [];
    expect(failed.map((item) => value(item, '00081155'))).toContain(other.sopInstanceUid);
    expect(value(failed[0], '00081197')).toEqual(expect.any(Number));
    const found = await get(`/dicomweb/instances?SOPInstanceUID=${other.sopInstanceUid}`, 'application/dicom+json');
    expect(await found.json()).toEqual([]);
    // JSON metadata with bulk data is a STOW form Osteon does not take.
    expect((await stow('/dicomweb/studies', [], { 'content-type': 'application/dicom+json' })).status).toBe(415);
  });

  it('refuses a STOW body over the configured size with 413 before reading it', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x41);
    const response = await stow('/dicomweb/studies', [{ type: 'application/dicom', body: big }]);
    expect(response.status).toBe(413);
    expect((await api(engine, 'GET', '/health')).status).toBe(200);
  });

  it("keeps only the current results: the doctor's verified SR replaces the AI draft on sign-off", async () => {
    const reportId = await waitFor(async () => {
      const page = await api<{ items: { id: string }[] }>(engine, 'GET', `/api/reports?studyInstanceUid=${made.studyInstanceUid}`, {
        token: doctor,
      });
      return page.body.items[0]?.id;
    }, 60_000);
    /** The study's current SRs, each with its verification flag (read from its metadata). */
    const srs = async (): Promise<{ uid: string; series: string; flag: unknown }[]> => {
      const response = await get(`/dicomweb/studies/${made.studyInstanceUid}/instances?Modality=SR`, 'application/dicom+json');
      const found = (await response.json()) as DicomJson[];
      return Promise.all(
        found.map(async (sr) => {
          const [uid, series] = [value(sr, '00080018') as string, value(sr, '0020000E') as string];
          const url = `/dicomweb/studies/${made.studyInstanceUid}/series/${series}/instances/${uid}/metadata`;
          const [metadata] = (await (await get(url, 'application/dicom+json')).json()) as DicomJson[];
          return { uid, series, flag: value(metadata, '0040A493') };
        }),
      );
    };
    const draft = await waitFor(async () => (await srs()).find((sr) => sr.flag === 'UNVERIFIED'), 60_000);
    expect(await srs()).toHaveLength(1);
    expect((await api(engine, 'POST', `/api/reports/${reportId}/confirm`, { token: doctor, json: {} })).status).toBe(200);
    const signed = await waitFor(async () => {
      const current = await srs();
      return current.length === 1 && current[0]?.flag === 'VERIFIED' ? current[0] : undefined;
    }, 60_000);
    expect(signed.uid).not.toBe(draft.uid);
    const gone = await get(
      `/dicomweb/studies/${made.studyInstanceUid}/series/${draft.series}/instances/${draft.uid}/metadata`,
      'application/dicom+json',
    );
    expect(gone.status).toBe(404);
  });
});
