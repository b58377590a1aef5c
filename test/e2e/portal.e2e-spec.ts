import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { FIXTURE_IMAGES, fixtureImageNames } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { TestPortal, type PortalRequest } from '../support/portal-peer';
import { freePort } from '../support/ports';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';
import { verifyWebhookSignature } from '../../src/portal/webhook-signature';

const run = promisify(execFile);
const SECRET = 'portal-e2e-secret-0123456789abcdef0123';

interface Payload {
  event: string;
  kind: 'report' | 'corrected' | 'withdrawn';
  reportId: string;
  contentVersion: number;
  patientId: string;
  document: { contentType: string; filename: string; sha256: string; base64: string };
  link?: { url: string; expiresAt: string };
}

const payloadOf = (request: PortalRequest): Payload => JSON.parse(request.body) as Payload;

describe('patient PDF and portal delivery', () => {
  let database: TestDatabase;
  let engine: Engine;
  let portal: TestPortal;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let databaseName: string;
  let images: string[];
  let doctor: string;
  let adminWorker: string;

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('portal');
    images = await fixtureImageNames();
    portal = new TestPortal();
    await portal.start();
    const models = await modelsDirForTests();
    const httpPort = await freePort();
    databaseName = `portal_${Date.now()}`;
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName,
      httpPort,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '400',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_JOB_MAX_ATTEMPTS: '10',
        OSTEON_INSTITUTION_NAME: 'Klinikum Süd, Notaufnahme',
        OSTEON_PORTAL_URL: portal.url,
        OSTEON_PORTAL_SECRET: SECRET,
        OSTEON_PORTAL_TIMEOUT_MS: '2000',
        OSTEON_PORTAL_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      },
    });
    doctor = await userToken(engine, 'dr-portal', 'doctor');
    adminWorker = await userToken(engine, 'clerk-portal', 'admin-worker');
  });

  afterAll(async () => {
    if (process.env.OSTEON_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_ENGINE_LOG, engine.process.output());
    await engine?.stop();
    await portal?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const patientToken = async (username: string, patientId: string): Promise<string> => {
    const password = `plaid-otter-${username.length}-rowing-quietly`;
    const created = await api(engine, 'POST', '/api/users', {
      json: { username, password, role: 'patient', displayName: username, patientId },
    });
    expect(created.status).toBe(201);
    const login = await api<{ accessToken: string }>(engine, 'POST', '/api/auth/login', { token: null, json: { username, password } });
    return login.body.accessToken;
  };

  /** Uploads one fixture image as a new study and waits for its preliminary report. */
  const uploadStudy = async (imageIndex: number, patientId: string, patientName: string): Promise<string> => {
    const form = new FormData();
    form.append('patientId', patientId);
    form.append('patientName', patientName);
    const jpeg = await fs.readFile(path.join(FIXTURE_IMAGES, images[imageIndex] as string));
    form.append('images', new Blob([jpeg], { type: 'image/jpeg' }), 'xray.jpg');
    const uploaded = await api(engine, 'POST', '/api/records', { token: adminWorker, form });
    expect(uploaded.status).toBe(201);
    const study = uploaded.body.studyInstanceUids[0] as string;
    return waitFor(
      async () => {
        const page = await api(engine, 'GET', `/api/reports?studyInstanceUid=${study}`, { token: doctor });
        return page.body.items[0]?.id as string | undefined;
      },
      60_000,
      200,
    );
  };

  const accepted = (reportId: string, kind?: Payload['kind']): Promise<Payload> =>
    waitFor(
      async () => portal.accepted.map(payloadOf).find((payload) => payload.reportId === reportId && (!kind || payload.kind === kind)),
      60_000,
      100,
    );

  const requestsFor = (reportId: string): PortalRequest[] => portal.requests.filter((request) => payloadOf(request).reportId === reportId);

  const pdfText = async (pdf: Buffer): Promise<string> => {
    const file = path.join(workspace.dir, `${randomBytes(6).toString('hex')}.pdf`);
    await fs.writeFile(file, pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    return stdout.replace(/\s+/g, ' ');
  };

  const fetchLink = async (url: string): Promise<{ status: number; type: string | null; body: Buffer }> => {
    const response = await fetch(url);
    return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
  };

  const portalDelivery = async (reportId: string): Promise<{ status: string; contentVersion: number; error?: string }> =>
    (await api(engine, 'GET', `/api/reports/${reportId}`, { token: doctor })).body.deliveries.portal;

  let firstReport: string;
  let firstDelivery: Payload;
  let firstVerdict: { fracture: boolean; bodyPart: string };

  it('keeps a preliminary report from the patient: no PDF (409) and nothing scheduled or delivered', async () => {
    firstReport = await uploadStudy(2, 'PORTAL-P1', 'Mueller^Zoe');
    const pdf = await api(engine, 'GET', `/api/reports/${firstReport}/pdf`, { token: doctor });
    expect(pdf.status).toBe(409);
    const jobs = await api(engine, 'GET', `/api/jobs?key=deliver-portal:${firstReport}`);
    expect(jobs.body.total).toBe(0);
    expect(requestsFor(firstReport)).toHaveLength(0);
    expect(await portalDelivery(firstReport)).toBeUndefined();
  });

  it('delivers the signed PDF to the portal with a valid signature once the doctor confirms', async () => {
    const confirmed = await api(engine, 'POST', `/api/reports/${firstReport}/confirm`, { token: doctor });
    expect(confirmed.status).toBe(200);
    firstVerdict = confirmed.body.review.verdict;
    firstDelivery = await accepted(firstReport, 'report');
    const request = requestsFor(firstReport).find((candidate) => candidate.answered === 200) as PortalRequest;
    const timestamp = String(request.headers['x-osteon-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(600);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, String(request.headers['x-osteon-signature']))).toBe(true);
    expect(
      verifyWebhookSignature('another-secret-0123456789abcdef0123', timestamp, request.body, String(request.headers['x-osteon-signature'])),
    ).toBe(false);
    expect(request.headers['x-osteon-delivery']).toBe(`${firstReport}:${firstDelivery.contentVersion}`);
    expect(firstDelivery).toMatchObject({
      event: 'patient-document',
      kind: 'report',
      patientId: 'PORTAL-P1',
      document: { contentType: 'application/pdf' },
    });
    const pdf = Buffer.from(firstDelivery.document.base64, 'base64');
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(firstDelivery.document.sha256);
    const text = await pdfText(pdf);
    expect(text).toContain('Klinikum Süd, Notaufnahme');
    expect(text).toContain('Zoe Mueller');
    expect(text).toContain('PORTAL-P1');
    expect(text).toContain(
      firstVerdict.fracture
        ? `A broken bone (fracture) was found on the X-ray of your ${firstVerdict.bodyPart}.`
        : `No broken bone (fracture) was found on the X-ray of your ${firstVerdict.bodyPart}.`,
    );
    expect(text).toContain('The doctor confirmed this AI finding.');
    expect(text).toContain('Signed by dr-portal');
    expect(text).toContain(`Report ${firstReport}, version ${firstDelivery.contentVersion}.`);
    // The link serves the same document, and the staff API renders the same bytes again.
    const viaLink = await fetchLink(firstDelivery.link!.url);
    expect(viaLink.status).toBe(200);
    expect(viaLink.type).toBe('application/pdf');
    expect(viaLink.body.equals(pdf)).toBe(true);
    const viaApi = await fetch(`http://127.0.0.1:${engine.httpPort}/api/reports/${firstReport}/pdf`, {
      headers: { authorization: `Bearer ${doctor}` },
    });
    expect(Buffer.from(await viaApi.arrayBuffer()).equals(pdf)).toBe(true);
    const state = await waitFor(async () => {
      const delivery = await portalDelivery(firstReport);
      return delivery?.status === 'delivered' ? delivery : undefined;
    });
    expect(state.contentVersion).toBe(firstDelivery.contentVersion);
  });

  it("lists only the patient's own signed reports, each with its PDF", async () => {
    const zoe = await patientToken('zoe-portal', 'PORTAL-P1');
    const someoneElse = await patientToken('other-portal', 'PORTAL-OTHER');
    const list = await api(engine, 'GET', '/api/patient/reports', { token: zoe });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: firstReport, status: 'final', corrected: false, pdfUrl: `/api/patient/reports/${firstReport}/pdf` }),
    ]);
    // The page names the day the PDF names: the study's own date.
    const studyDate = (await api(engine, 'GET', `/api/reports/${firstReport}`, { token: doctor })).body.studyDate as string;
    expect(studyDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(String(list.body.items[0].examinedAt).slice(0, 10)).toBe(studyDate);
    const own = await fetch(`http://127.0.0.1:${engine.httpPort}${list.body.items[0].pdfUrl}`, {
      headers: { authorization: `Bearer ${zoe}` },
    });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('application/pdf');
    expect((await api(engine, 'GET', '/api/patient/reports', { token: someoneElse })).body.items).toEqual([]);
    expect((await api(engine, 'GET', `/api/patient/reports/${firstReport}/pdf`, { token: someoneElse })).status).toBe(404);
    expect((await api(engine, 'GET', '/api/patient/reports', { token: doctor })).status).toBe(403);
    expect((await api(engine, 'GET', `/api/reports/${firstReport}/pdf`, { token: zoe })).status).toBe(403);
  });

  let correctedDelivery: Payload;

  it('delivers a corrected PDF when the doctor amends after release, and revokes the old link', async () => {
    const conclusion = 'Łukasz Wiśniewski (orthopaedics) reviewed it with me: Zoë, see the clinic on Monday.';
    const amended = await api(engine, 'POST', `/api/reports/${firstReport}/amend`, {
      token: doctor,
      json: {
        fracture: !firstVerdict.fracture,
        countClass: firstVerdict.fracture ? '0' : '1',
        bodyPart: firstVerdict.bodyPart,
        conclusion,
      },
    });
    expect(amended.status).toBe(200);
    correctedDelivery = await accepted(firstReport, 'corrected');
    expect(correctedDelivery.contentVersion).toBeGreaterThan(firstDelivery.contentVersion);
    const corrected = Buffer.from(correctedDelivery.document.base64, 'base64');
    if (process.env.OSTEON_KEEP_PDF) await fs.writeFile(process.env.OSTEON_KEEP_PDF, corrected);
    const text = await pdfText(corrected);
    expect(text).toContain('Corrected report: this version replaces the report you received before.');
    expect(text).toContain(conclusion);
    expect(text).toContain('The doctor corrected this AI finding');
    const wrong = await fetchLink(`http://127.0.0.1:${engine.httpPort}/portal/${randomBytes(32).toString('base64url')}`);
    const old = await fetchLink(firstDelivery.link!.url);
    expect(old.status).toBe(404);
    expect(old.body.equals(wrong.body)).toBe(true);
    expect((await fetchLink(correctedDelivery.link!.url)).status).toBe(200);
    const list = await api(engine, 'GET', '/api/patient/reports', { token: await patientToken('zoe-portal-2', 'PORTAL-P1') });
    expect(list.body.items).toEqual([expect.objectContaining({ id: firstReport, corrected: true })]);
  });

  it('answers a wrong, a malformed and an expired token with the same 404', async () => {
    const wrong = await fetchLink(`http://127.0.0.1:${engine.httpPort}/portal/${randomBytes(32).toString('base64url')}`);
    const malformed = await fetchLink(`http://127.0.0.1:${engine.httpPort}/portal/not-a-token`);
    const token = correctedDelivery.link!.url.split('/portal/')[1] as string;
    const client = await MongoClient.connect(database.uri);
    try {
      const links = client.db(databaseName).collection('portal_links');
      const stored = await links.findOne({ tokenHash: createHash('sha256').update(token).digest('hex') });
      expect(stored).toMatchObject({ reportId: firstReport, revoked: false });
      expect(JSON.stringify(stored)).not.toContain(token);
      await links.updateOne({ tokenHash: stored!.tokenHash }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    } finally {
      await client.close();
    }
    const expired = await fetchLink(correctedDelivery.link!.url);
    for (const response of [wrong, malformed, expired]) {
      expect(response.status).toBe(404);
      expect(response.body.toString()).toBe(wrong.body.toString());
    }
  });

  let secondReport: string;

  it('retries while the portal is down and delivers exactly once when it is back', async () => {
    secondReport = await uploadStudy(3, 'PORTAL-P2', 'Nowak^Ewa');
    await portal.stop();
    expect((await api(engine, 'POST', `/api/reports/${secondReport}/confirm`, { token: doctor })).status).toBe(200);
    const failed = await waitFor(async () => {
      const delivery = await portalDelivery(secondReport);
      return delivery?.status === 'failed' ? delivery : undefined;
    }, 30_000);
    expect(failed.error).toMatch(/portal unreachable/);
    portal.answerNext(503);
    await portal.start();
    const delivered = await accepted(secondReport, 'report');
    await waitFor(async () =>
      (await api(engine, 'GET', `/api/jobs?key=deliver-portal:${secondReport}&status=done`)).body.total === 1 ? true : undefined,
    );
    const answers = requestsFor(secondReport).map((request) => request.answered);
    expect(answers[0]).toBe(503);
    expect(answers.filter((status) => status === 200)).toHaveLength(1);
    expect((await portalDelivery(secondReport)).status).toBe('delivered');
    expect((await fetchLink(delivered.link!.url)).status).toBe(200);
  });

  it('dead-letters a withdrawal notice the portal rejects, then delivers it on replay and revokes the link', async () => {
    const link = (await accepted(secondReport, 'report')).link!.url;
    portal.answerNext(400);
    expect(
      (await api(engine, 'POST', `/api/reports/${secondReport}/withdraw`, { token: doctor, json: { reason: 'wrong patient' } })).status,
    ).toBe(200);
    const dead = await waitFor(
      async () => (await api(engine, 'GET', `/api/jobs?key=deliver-portal:${secondReport}&status=dead`)).body.items[0],
      30_000,
    );
    expect(dead.lastError).toMatch(/HTTP 400/);
    expect((await portalDelivery(secondReport)).status).toBe('dead');
    expect((await fetchLink(link)).status).toBe(404);
    expect((await api(engine, 'POST', `/api/jobs/${dead.id}/replay`)).status).toBe(201);
    const notice = await accepted(secondReport, 'withdrawn');
    expect(notice.link).toBeUndefined();
    const text = await pdfText(Buffer.from(notice.document.base64, 'base64'));
    expect(text).toContain('Notice: report withdrawn');
    expect(text).not.toContain('wrong patient');
    expect(
      requestsFor(secondReport)
        .filter((request) => payloadOf(request).kind === 'withdrawn')
        .map((request) => request.answered),
    ).toEqual([400, 200]);
  });
});
