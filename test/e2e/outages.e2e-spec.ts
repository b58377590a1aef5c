import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type * as R4 from 'fhir/r4';
import { startFhirServer, type FhirServerPeer } from '../peers/fhir-server.peer';
import { startOrthanc, type OrthancPeer } from '../peers/orthanc-peer';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { freePort } from '../support/ports';
import { field, readRisLog, type RisMessage } from '../support/ris-log';
import { startProcess, waitFor, type RunningProcess } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const RIS_PEER = path.join(__dirname, '..', 'peers', 'ris-peer.py');
const PYTHON = '/usr/bin/python3';
const STUDIES = 6;
// Back-off 200 ms doubling, capped at 3 s: the old budget (6 attempts) is spent after ~6 s.
const OUTAGE_MS = 20_000;
const IDLE_MS = 2000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Connects and returns when the engine closes the connection (ms after `sent`), or after `limitMs`. */
function closedAfter(port: number, send: Buffer | undefined, limitMs: number): Promise<{ closedMs?: number; received: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => {
      if (send) socket.write(send);
    });
    const started = Date.now();
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received: Buffer.concat(chunks) });
    }, limitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closedMs: Date.now() - started, received: Buffer.concat(chunks) });
    });
  });
}

describe('outages longer than the old retry budget, and connections that say nothing', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  let ris: RunningProcess | undefined;
  let fhir: FhirServerPeer;
  let orthanc: OrthancPeer;
  let risPort: number;
  let mllpPort: number;
  let risLog: string;
  let risMode: string;

  const risMessages = (): Promise<RisMessage[]> => readRisLog(risLog);

  const startRis = async (): Promise<void> => {
    ris = await startProcess(PYTHON, [RIS_PEER, 'serve', '--port', String(risPort), '--log', risLog, '--mode', risMode], {
      readyLine: /READY /,
      timeoutMs: 20_000,
    });
  };

  const sendStudy = async (tag: string): Promise<string> => {
    const [image] = await fixtureImageNames();
    const made = await makeInstance(
      image as string,
      path.join(workspace.dir, tag, 'image.dcm'),
      { patientId: `ID-${tag}`, patientName: 'DOE^JANE' },
      { accessionNumber: `ACC-${tag}` },
    );
    expect([...(await dcmsend([made.file], engine.dicomPort)).statuses.values()]).toEqual([0]);
    return made.studyInstanceUid;
  };

  const reportOf = (studyInstanceUid: string): Promise<Json> =>
    waitFor(async () => (await api(engine, 'GET', `/api/reports?studyInstanceUid=${studyInstanceUid}`)).body.items[0], 60_000);

  const channelStates = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      ((await api(engine, 'GET', '/api/deliveries/channels')).body.items as Json[]).map((item) => [item.channel, item.state]),
    );

  beforeAll(async () => {
    workspace = await tempWorkspace('outages');
    risLog = path.join(workspace.dir, 'ris.jsonl');
    risMode = path.join(workspace.dir, 'ris-mode.json');
    await fs.writeFile(risMode, JSON.stringify({ acks: [], default: 'AA' }));
    risPort = await freePort();
    mllpPort = await freePort();
    fhir = await startFhirServer(path.join(workspace.dir, 'fhir-store.json'));
    orthanc = await startOrthanc({ dir: path.join(workspace.dir, 'orthanc') });
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '300',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_JOB_BACKOFF_MAX_MS: '3000',
        OSTEON_CHANNEL_DOWN_AFTER_MS: '5000',
        OSTEON_RIS_HOST: '127.0.0.1',
        OSTEON_RIS_PORT: String(risPort),
        OSTEON_HL7_ACK_TIMEOUT_MS: '3000',
        OSTEON_HL7_SWEEP_MS: '60000',
        OSTEON_FHIR_URL: fhir.baseUrl,
        OSTEON_FHIR_POLL_SECONDS: '3600',
        OSTEON_FHIR_SWEEP_MS: '60000',
        OSTEON_PACS_AE: orthanc.aeTitle,
        OSTEON_PACS_HOST: '127.0.0.1',
        OSTEON_PACS_PORT: String(orthanc.dicomPort),
        OSTEON_PACS_TIMEOUT_MS: '3000',
        OSTEON_PACS_SWEEP_MS: '60000',
        OSTEON_MLLP_PORT: String(mllpPort),
        OSTEON_MLLP_IDLE_TIMEOUT_MS: String(IDLE_MS),
        OSTEON_DICOM_ARTIM_TIMEOUT_MS: String(IDLE_MS),
        OSTEON_DICOM_ASSOCIATION_TIMEOUT_MS: String(IDLE_MS),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    await ris?.stop();
    await fhir?.stop();
    await orthanc?.stop();
    await workspace?.cleanup();
  });

  it('delivers every result of an outage of the RIS, the FHIR server and the PACS once, in order, with no operator action', async () => {
    await fhir.stop();
    await orthanc.stop();
    const studies: string[] = [];
    for (let index = 0; index < STUDIES; index += 1) studies.push(await sendStudy(`OUT${index}`));
    const reports = [];
    for (const study of studies) reports.push(await reportOf(study));

    // The outage outlasts the old budget; every channel says it is down, nothing is dead-lettered.
    await waitFor(async () => {
      const states = await channelStates();
      return ['hl7', 'fhir', 'pacs'].every((channel) => states[channel] === 'down') ? true : undefined;
    }, OUTAGE_MS);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    expect((await api(engine, 'GET', '/api/jobs?status=dead')).body.total).toBe(0);
    expect((await api(engine, 'GET', '/metrics')).body).toMatch(/osteon_delivery_channel_state\{channel="hl7",state="down"\} 1/);

    await startRis();
    await fhir.restart();
    await orthanc.restart();
    for (const report of reports) {
      await waitFor(async () => {
        const detail = (await api(engine, 'GET', `/api/reports/${report.id}`)).body;
        return ['hl7', 'fhir', 'pacs'].every((channel) => detail.deliveries?.[channel]?.status === 'delivered') ? true : undefined;
      }, 60_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));

    // RIS: one ORU per study, in the order the engine queued them (the ordered channel's promise:
    // no ORU overtakes an older one). Two studies read side by side may finish in either order.
    const messages = await risMessages();
    const hl7Jobs = (await api(engine, 'GET', '/api/jobs?type=deliver-hl7&limit=100')).body.items as Json[];
    const queued = [...hl7Jobs].sort((a, b) => Date.parse(a.createdAt as string) - Date.parse(b.createdAt as string));
    const patientOf = new Map(reports.map((report, index) => [report.id as string, `ID-OUT${index}`]));
    const queuedPatients = queued.map((job) => patientOf.get((job.payload as Json).reportId as string));
    expect(queuedPatients.slice().sort()).toEqual(studies.map((_, index) => `ID-OUT${index}`));
    expect(messages.map((message) => field(message.raw, 'PID', 3).split('^')[0])).toEqual(queuedPatients);
    expect(new Set(messages.map((message) => message.controlId)).size).toBe(STUDIES);
    // FHIR: one DiagnosticReport per study.
    for (const report of reports) {
      const key = (await api(engine, 'GET', `/api/reports/${report.id}`)).body.identity.key as string;
      const found = await fhir.request<R4.Bundle>('GET', `/DiagnosticReport?identifier=${encodeURIComponent(`urn:osteon:report|${key}`)}`);
      expect(found.body.entry ?? []).toHaveLength(1);
    }
    // PACS: Orthanc holds Osteon's results for every study.
    for (const study of studies) {
      const matches = await orthanc.post<string[]>('/tools/find', { Level: 'Study', Query: { StudyInstanceUID: study } });
      expect(matches).toHaveLength(1);
    }
    await waitFor(async () => {
      const states = await channelStates();
      return ['hl7', 'fhir', 'pacs'].every((channel) => states[channel] === 'healthy') ? true : undefined;
    }, 10_000);
  }, 240_000);

  it('dead-letters an ORU the RIS refuses with AR at once, and keeps delivering the next', async () => {
    await fs.writeFile(risMode, JSON.stringify({ acks: ['AR'], default: 'AA' }));
    const refused = await reportOf(await sendStudy('AR'));
    const job = await waitFor(async () => {
      const found = (await api(engine, 'GET', `/api/jobs?key=${encodeURIComponent(`deliver-hl7:${refused.id}`)}`)).body.items[0];
      return found?.status === 'dead' ? found : undefined;
    }, 30_000);
    expect(job.attempts).toBe(1);
    const next = await reportOf(await sendStudy('AFTER-AR'));
    await waitFor(async () => {
      const detail = (await api(engine, 'GET', `/api/reports/${next.id}`)).body;
      return detail.deliveries?.hl7?.status === 'delivered' ? true : undefined;
    }, 30_000);
  }, 120_000);

  it('closes a DICOM connection that sends no association request, and one stuck half-way through a PDU', async () => {
    const silent = await closedAfter(engine.dicomPort, undefined, IDLE_MS + 5000);
    expect(silent.closedMs).toBeDefined();
    expect(silent.closedMs).toBeGreaterThanOrEqual(IDLE_MS - 200);
    // An A-ASSOCIATE-RQ header announcing 200 bytes, then nothing.
    const half = await closedAfter(engine.dicomPort, Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00, 0xc8, 0x00, 0x01]), IDLE_MS + 5000);
    expect(half.closedMs).toBeDefined();
  });

  it('closes an MLLP connection stuck half-way through a frame, and answers a burst of garbage with one NAK', async () => {
    const half = await closedAfter(mllpPort, Buffer.from('\x0bMSH|^~\\&|RIS|HOSP|OSTEON|ED|20261202||ORU^R01|X1|P|2.5\r'), IDLE_MS + 5000);
    expect(half.closedMs).toBeDefined();
    expect(half.closedMs).toBeGreaterThanOrEqual(IDLE_MS - 200);
    // 4 KB of stray end-of-frame bytes.
    const garbage = Buffer.alloc(4096);
    for (let index = 0; index < garbage.length; index += 2) {
      garbage[index] = 0x1c;
      garbage[index + 1] = 0x0d;
    }
    const burst = await closedAfter(mllpPort, garbage, IDLE_MS + 5000);
    const naks = burst.received
      .toString('latin1')
      .split('\x0b')
      .filter((frame) => frame.includes('MSA|'));
    expect(naks).toHaveLength(1);
    expect(naks[0]).toMatch(/MSA\|A[ER]\|/);
  });
});
