import fs from 'node:fs/promises';
import path from 'node:path';
import { startFhirServer, type FhirServerPeer } from '../peers/fhir-server.peer';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine, type EngineOptions } from '../support/engine';
import { api, TEST_PASSWORD, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { freePort } from '../support/ports';
import { TestPortal } from '../support/portal-peer';
import { startProcess, waitFor, type RunningProcess } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const RIS_PEER = path.join(__dirname, '..', 'peers', 'ris-peer.py');
const PYTHON = '/usr/bin/python3';
const SIGNED = new Set(['final', 'amended']);

interface ReportSummary {
  readonly id: string;
  readonly status: string;
  readonly studyInstanceUid: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** What a hospital would check after a restart, read through the API only. */
async function stateOf(engine: Engine, reportIds: readonly string[], auditUntil: Date): Promise<Json> {
  const users = (await api(engine, 'GET', '/api/users')).body;
  const reports: Json[] = [];
  for (const id of reportIds) {
    const detail = (await api(engine, 'GET', `/api/reports/${id}`)).body;
    const labels = (await api(engine, 'GET', `/api/reports/${id}/labels`)).body;
    const deliveries = Object.fromEntries(
      Object.entries(detail.deliveries ?? {}).map(([channel, state]: [string, Json]) => [
        channel,
        { status: state.status, contentVersion: state.contentVersion, references: state.references },
      ]),
    );
    reports.push({
      id: detail.id,
      status: detail.status,
      contentVersion: detail.contentVersion,
      review: detail.review,
      statusHistory: detail.statusHistory,
      deliveries,
      labels,
    });
  }
  const jobs = (await api(engine, 'GET', '/api/jobs?limit=200')).body.items.map((job: Json) => ({
    id: job.id,
    key: job.key,
    status: job.status,
    attempts: job.attempts,
  }));
  const audit = (await api(engine, 'GET', `/api/audit?limit=200&to=${auditUntil.toISOString()}`)).body.items;
  return { users, reports, jobs, audit };
}

describe.each([
  ['kill -9', 'kill9'],
  ['SIGTERM', 'stop'],
] as const)('a restart on embedded defaults (%s) after a doctor confirmed and amended', (_label, how) => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine | undefined;
  let ris: RunningProcess | undefined;
  let fhir: FhirServerPeer | undefined;
  let portal: TestPortal;
  let risLog: string;
  let options: EngineOptions;
  let doctor: string;
  const reports: ReportSummary[] = [];

  const risMessages = async (): Promise<string[]> =>
    (await fs.readFile(risLog, 'utf8').catch(() => '')).split('\n').filter((line) => line.trim() !== '');

  /** Every channel has delivered the current content of every report. */
  const allDelivered = async (): Promise<boolean> => {
    for (const report of reports) {
      const detail = (await api(engine as Engine, 'GET', `/api/reports/${report.id}`)).body;
      const channels = SIGNED.has(detail.status) ? ['fhir', 'hl7', 'portal'] : ['fhir', 'hl7'];
      for (const channel of channels) {
        const state = detail.deliveries?.[channel];
        if (state?.status !== 'delivered' || state.contentVersion !== detail.contentVersion) return false;
      }
    }
    // Nothing still queued either (the FHIR DocumentReference of a signed report follows its PDF).
    for (const status of ['pending', 'running']) {
      if ((await api(engine as Engine, 'GET', `/api/jobs?status=${status}&limit=1`)).body.total !== 0) return false;
    }
    return true;
  };

  beforeAll(async () => {
    workspace = await tempWorkspace(`restart-${how}`);
    risLog = path.join(workspace.dir, 'ris.jsonl');
    const risPort = await freePort();
    ris = await startProcess(PYTHON, [RIS_PEER, 'serve', '--port', String(risPort), '--log', risLog], {
      readyLine: /READY /,
      timeoutMs: 20_000,
    });
    fhir = await startFhirServer(path.join(workspace.dir, 'fhir-store.json'));
    portal = new TestPortal();
    await portal.start();
    const models = await modelsDirForTests();
    const httpPort = await freePort();
    options = {
      dataDir: path.join(workspace.dir, 'data'),
      httpPort,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '500',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_JWT_SECRET: 'restart-test-secret-0123456789abcdef0123',
        OSTEON_RIS_HOST: '127.0.0.1',
        OSTEON_RIS_PORT: String(risPort),
        OSTEON_HL7_SWEEP_MS: '300',
        OSTEON_FHIR_URL: fhir.baseUrl,
        OSTEON_FHIR_POLL_SECONDS: '0.5',
        OSTEON_FHIR_SWEEP_MS: '300',
        OSTEON_PORTAL_URL: portal.url,
        OSTEON_PORTAL_SECRET: 'portal-secret-0123456789abcdef0123456789',
        OSTEON_PORTAL_SWEEP_MS: '300',
        OSTEON_PORTAL_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      },
    };
    engine = await startEngine(options);
    doctor = await userToken(engine, 'dr-restart', 'doctor');
  });

  afterAll(async () => {
    await engine?.stop();
    await ris?.stop();
    await fhir?.stop();
    await portal?.stop();
    await workspace?.cleanup();
  });

  it('keeps users, reports, verdicts, labels, audit, patient links and jobs, and sends nothing again', async () => {
    const images = await fixtureImageNames();
    for (const [index, image] of images.slice(0, 3).entries()) {
      const made = await makeInstance(
        image,
        path.join(workspace.dir, 'send', `${index}.dcm`),
        { patientId: `RESTART-${index}`, patientName: 'DOE^JANE' },
        { accessionNumber: `ACC-R${index}` },
      );
      expect([...(await dcmsend([made.file], (engine as Engine).dicomPort)).statuses.values()]).toEqual([0]);
      reports.push(
        await waitFor(async () => {
          const page = await api<{ items: ReportSummary[] }>(
            engine as Engine,
            'GET',
            `/api/reports?studyInstanceUid=${made.studyInstanceUid}`,
            { token: doctor },
          );
          return page.body.items[0];
        }, 60_000),
      );
    }
    const [confirmed, amended] = reports as [ReportSummary, ReportSummary];
    expect((await api(engine as Engine, 'POST', `/api/reports/${confirmed.id}/confirm`, { token: doctor })).status).toBe(200);
    const verdict = { fracture: false, countClass: '0', bodyPart: 'hand', conclusion: 'No fracture. Soft tissue swelling only.' };
    expect((await api(engine as Engine, 'POST', `/api/reports/${amended.id}/amend`, { token: doctor, json: verdict })).status).toBe(200);
    await waitFor(async () => ((await allDelivered()) ? true : undefined), 90_000);

    const stoppedAt = new Date();
    const before = await stateOf(
      engine as Engine,
      reports.map((report) => report.id),
      stoppedAt,
    );
    expect(before.audit.length).toBeGreaterThan(5);
    expect(before.reports.map((report: Json) => report.status)).toEqual(['final', 'amended', 'preliminary']);
    expect(before.reports[1].labels.items.length).toBeGreaterThan(0);
    const links = portal.accepted
      .map((request) => JSON.parse(request.body).link?.url as string | undefined)
      .filter((url): url is string => !!url);
    expect(links.length).toBeGreaterThanOrEqual(2);
    const sent = {
      ris: (await risMessages()).length,
      fhir: (await (fhir as FhirServerPeer).writes()).length,
      portal: portal.requests.length,
    };

    await (how === 'kill9' ? (engine as Engine).kill9() : (engine as Engine).stop());
    engine = await startEngine(options);

    const after = await stateOf(
      engine,
      reports.map((report) => report.id),
      stoppedAt,
    );
    expect(after.users).toEqual(before.users);
    expect(after.reports).toEqual(before.reports);
    expect(after.jobs).toEqual(before.jobs);
    expect(after.audit).toEqual(before.audit);
    // The doctor's token (same signing key) and password still work.
    expect((await api(engine, 'GET', `/api/reports/${confirmed.id}`, { token: doctor })).status).toBe(200);
    const login = await api(engine, 'POST', '/api/auth/login', {
      token: null,
      json: { username: 'dr-restart', password: TEST_PASSWORD },
    });
    expect(login.status).toBe(200);
    for (const link of links) expect((await fetch(link)).status).toBe(200);

    // Several sweeps of every channel later, no receiver got anything more.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect({
      ris: (await risMessages()).length,
      fhir: (await (fhir as FhirServerPeer).writes()).length,
      portal: portal.requests.length,
    }).toEqual(sent);
    expect(
      await stateOf(
        engine,
        reports.map((report) => report.id),
        stoppedAt,
      ),
    ).toEqual(expect.objectContaining({ reports: before.reports, jobs: before.jobs }));
  });
});
