import fs from 'node:fs/promises';
import path from 'node:path';
import type * as R4 from 'fhir/r4';
import { startFhirServer, type FhirServerPeer } from '../peers/fhir-server.peer';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine, type EngineOptions } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { freePort } from '../support/ports';
import { field, readRisLog, type RisMessage } from '../support/ris-log';
import { startProcess, waitFor, type RunningProcess } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const RIS_PEER = path.join(__dirname, '..', 'peers', 'ris-peer.py');
const PYTHON = '/usr/bin/python3';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('downstream identity survives crashes and a lost database', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let ris: RunningProcess | undefined;
  let fhir: FhirServerPeer | undefined;
  let engine: Engine | undefined;
  let risLog: string;
  let risMode: string;
  let options: EngineOptions;

  const risMessages = (): Promise<RisMessage[]> => readRisLog(risLog);

  const sendStudy = async (tag: string): Promise<{ studyInstanceUid: string }> => {
    const [image] = await fixtureImageNames();
    const made = await makeInstance(
      image as string,
      path.join(workspace.dir, tag, 'image.dcm'),
      { patientId: `ID-${tag}`, patientName: 'DOE^JANE' },
      { accessionNumber: `ACC-${tag}` },
    );
    expect([...(await dcmsend([made.file], (engine as Engine).dicomPort)).statuses.values()]).toEqual([0]);
    return made;
  };

  const reportOf = (studyInstanceUid: string): Promise<Json> =>
    waitFor(async () => (await api(engine as Engine, 'GET', `/api/reports?studyInstanceUid=${studyInstanceUid}`)).body.items[0], 60_000);

  const detail = async (id: string): Promise<Json> => (await api(engine as Engine, 'GET', `/api/reports/${id}`)).body;

  const delivered = (id: string, channel: string, status?: string): Promise<Json> =>
    waitFor(async () => {
      const report = await detail(id);
      const state = report.deliveries?.[channel];
      return state?.status === 'delivered' && state.contentVersion === report.contentVersion && (!status || report.status === status)
        ? report
        : undefined;
    }, 90_000);

  beforeAll(async () => {
    workspace = await tempWorkspace('identity');
    risLog = path.join(workspace.dir, 'ris.jsonl');
    risMode = path.join(workspace.dir, 'ris-mode.json');
    await fs.writeFile(risMode, JSON.stringify({ acks: [], default: 'AA' }));
    const risPort = await freePort();
    ris = await startProcess(PYTHON, [RIS_PEER, 'serve', '--port', String(risPort), '--log', risLog, '--mode', risMode], {
      readyLine: /READY /,
      timeoutMs: 20_000,
    });
    fhir = await startFhirServer(path.join(workspace.dir, 'fhir-store.json'));
    const models = await modelsDirForTests();
    options = {
      dataDir: path.join(workspace.dir, 'data'),
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '500',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_JWT_SECRET: 'identity-test-secret-0123456789abcdef012',
        OSTEON_RIS_HOST: '127.0.0.1',
        OSTEON_RIS_PORT: String(risPort),
        // Long enough to kill the engine while it waits for an ACK.
        OSTEON_HL7_ACK_TIMEOUT_MS: '30000',
        OSTEON_HL7_SWEEP_MS: '300',
        OSTEON_FHIR_URL: fhir.baseUrl,
        OSTEON_FHIR_POLL_SECONDS: '0.5',
        OSTEON_FHIR_SWEEP_MS: '300',
      },
    };
    engine = await startEngine(options);
  });

  afterAll(async () => {
    await engine?.stop();
    await ris?.stop();
    await fhir?.stop();
    await workspace?.cleanup();
  });

  it('re-sends an ORU interrupted by kill -9 once, as the same message (same MSH-10), right after the restart', async () => {
    await fs.writeFile(risMode, JSON.stringify({ acks: ['NONE'], default: 'AA' }));
    const study = await sendStudy('CRASH');
    await waitFor(async () => ((await risMessages()).length === 1 ? true : undefined), 60_000);
    await (engine as Engine).kill9();
    engine = await startEngine(options);
    const report = await reportOf(study.studyInstanceUid);
    await delivered(report.id, 'hl7');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const messages = await risMessages();
    expect(messages).toHaveLength(2);
    const [first, second] = messages as [RisMessage, RisMessage];
    expect(second.controlId).toBe(first.controlId);
    expect(field(second.raw, 'OBR', 3)).toBe(field(first.raw, 'OBR', 3));
    expect(field(second.raw, 'OBR', 25)).toBe('P');
    expect(second.raw.split('\r').filter((line) => line.startsWith('OBX'))).toEqual(
      first.raw.split('\r').filter((line) => line.startsWith('OBX')),
    );
    expect(second.ack).toBe('AA');
  });

  it('after the database is lost, re-reads the study into the same FHIR report and RIS order, and never moves a signed report back to preliminary', async () => {
    const doctor = await userToken(engine as Engine, 'dr-identity', 'doctor');
    const study = await sendStudy('LOST');
    const before = await reportOf(study.studyInstanceUid);
    // The draft reaches both receivers before the doctor signs (on a busy machine it could be overtaken by the sign-off).
    await delivered(before.id, 'hl7');
    await delivered(before.id, 'fhir');
    expect((await api(engine as Engine, 'POST', `/api/reports/${before.id}/confirm`, { token: doctor })).status).toBe(200);
    const signed = await delivered(before.id, 'fhir', 'final');
    await delivered(before.id, 'hl7', 'final');
    const key = signed.identity.key as string;
    const filler = signed.identity.fillerOrderNumber as string;
    const search = async (): Promise<R4.DiagnosticReport[]> =>
      (
        (
          await (fhir as FhirServerPeer).request<R4.Bundle>(
            'GET',
            `/DiagnosticReport?identifier=${encodeURIComponent(`urn:osteon:report|${key}`)}`,
          )
        ).body.entry ?? []
      ).map((entry) => entry.resource as R4.DiagnosticReport);
    expect((await search()).map((resource) => resource.status)).toEqual(['final']);
    const [serverReport] = await search();
    const historyOf = async (): Promise<string[]> =>
      ((await (fhir as FhirServerPeer).request<R4.Bundle>('GET', `/DiagnosticReport/${serverReport?.id}/_history`)).body.entry ?? []).map(
        (entry) => (entry.resource as R4.DiagnosticReport).status,
      );
    const versionsBefore = (await historyOf()).length;

    // The disk with the database is replaced; the images (blob store) survive.
    await (engine as Engine).stop();
    await fs.rm(path.join(options.dataDir, 'database'), { recursive: true });
    engine = await startEngine(options);
    // The administrator restores the accounts; the sign-off on the FHIR server names the doctor's username.
    await userToken(engine, 'dr-identity', 'doctor');

    // The study is read again from its images, and the doctor's decision comes back from FHIR.
    const again = await waitFor(async () => {
      const item = (await api(engine as Engine, 'GET', `/api/reports?studyInstanceUid=${study.studyInstanceUid}`)).body.items[0];
      return item?.status === 'final' ? item : undefined;
    }, 90_000);
    expect(again.id).not.toBe(before.id);
    await delivered(again.id, 'fhir', 'final');
    await delivered(again.id, 'hl7', 'final');
    await new Promise((resolve) => setTimeout(resolve, 2000));

    // FHIR: still one report and one of each Observation; every version written since is final.
    const reports = await search();
    expect(reports.map((resource) => resource.id)).toEqual([serverReport?.id]);
    const history = await historyOf();
    expect(history.slice(0, history.length - versionsBefore).every((status) => status === 'final')).toBe(true);
    for (const name of ['fracture', 'count', 'body-site', 'urgency']) {
      const query = `/Observation?identifier=${encodeURIComponent(`urn:osteon:observation|${key}-${name}`)}`;
      expect((await (fhir as FhirServerPeer).request<R4.Bundle>('GET', query)).body.entry ?? []).toHaveLength(1);
    }
    // RIS: one order for the study; the preliminary and the final sent again are the same messages (MSH-10) as before.
    const aboutStudy = (await risMessages()).filter((message) => field(message.raw, 'PID', 3).startsWith('ID-LOST'));
    expect(aboutStudy.length).toBeGreaterThan(2);
    expect(new Set(aboutStudy.map((message) => field(message.raw, 'OBR', 3)))).toEqual(new Set([`${filler}^OSTEON`]));
    for (const status of ['P', 'F']) {
      const ids = new Set(aboutStudy.filter((message) => field(message.raw, 'OBR', 25) === status).map((message) => message.controlId));
      expect({ status, ids: ids.size }).toEqual({ status, ids: 1 });
    }
  });
});
