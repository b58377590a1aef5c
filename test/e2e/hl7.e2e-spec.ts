import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, TEST_OPERATOR_API_KEY, type Engine } from '../support/engine';
import { api, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { freePort } from '../support/ports';
import { startProcess, waitFor, type RunningProcess } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const run = promisify(execFile);
const PEER = path.join(__dirname, '..', 'peers', 'ris-peer.py');
// Debian's python3-hl7 only works with Debian's interpreter (peers.md).
const PYTHON = '/usr/bin/python3';

interface PeerMessage {
  readonly raw: string;
  readonly controlId: string;
  readonly ack: string;
}

/** Field n of the first segment named `name` (MSH counted as the standard does: MSH-1 is '|'). */
function field(raw: string, name: string, n: number, occurrence = 0): string {
  const segment = raw.split('\r').filter((line) => line.startsWith(`${name}|`))[occurrence];
  if (!segment) return '';
  const parts = segment.split('|');
  return (name === 'MSH' ? parts[n - 1] : parts[n]) ?? '';
}

/** A segment with the given fields set by number, so no pipe is miscounted. */
function segment(name: string, fields: Record<number, string>): string {
  const last = Math.max(...Object.keys(fields).map(Number));
  const parts = [name, ...Array.from({ length: last }, (_unused, index) => fields[index + 1] ?? '')];
  return parts.join('|');
}

function observations(raw: string): Map<string, { type: string; value: string; status: string }[]> {
  const result = new Map<string, { type: string; value: string; status: string }[]>();
  for (const line of raw.split('\r').filter((segment) => segment.startsWith('OBX|'))) {
    const parts = line.split('|');
    const code = (parts[3] ?? '').split('^')[0] as string;
    result.set(code, [...(result.get(code) ?? []), { type: parts[2] ?? '', value: parts[5] ?? '', status: parts[11] ?? '' }]);
  }
  return result;
}

describe('HL7 v2 over MLLP with an independent RIS (python3-hl7)', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let peer: RunningProcess | undefined;
  let peerPort: number;
  let mllpPort: number;
  let images: string[];
  let peerLog: string;
  let peerMode: string;
  let sequence = 0;

  const startPeer = async (): Promise<void> => {
    peer = await startProcess(PYTHON, [PEER, 'serve', '--port', String(peerPort), '--log', peerLog, '--mode', peerMode], {
      readyLine: /READY /,
      timeoutMs: 20_000,
    });
  };

  const setAcks = (acks: string[], text = ''): Promise<void> => fs.writeFile(peerMode, JSON.stringify({ acks, default: 'AA', text }));

  const peerMessages = async (): Promise<PeerMessage[]> => {
    const text = await fs.readFile(peerLog, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PeerMessage);
  };

  /** The filler order number the RIS knows the report by (derived from its study). */
  const fillerOf = async (reportId: string): Promise<string> =>
    (await api<{ identity: { fillerOrderNumber: string } }>(engine, 'GET', `/api/reports/${reportId}`)).body.identity.fillerOrderNumber;

  const messagesForReport = async (reportId: string): Promise<PeerMessage[]> => {
    const filler = await fillerOf(reportId);
    return (await peerMessages()).filter((message) => field(message.raw, 'OBR', 3).split('^')[0] === filler);
  };

  /** Plays a script against Osteon's listener with the peer's MLLP client; returns the replies. */
  const sendToOsteon = async (steps: unknown[], extraArgs: string[] = [], port = mllpPort): Promise<string[]> => {
    sequence += 1;
    const script = path.join(workspace.dir, `script-${sequence}.json`);
    await fs.writeFile(script, JSON.stringify(steps));
    const { stdout } = await run(PYTHON, [PEER, 'send', '--port', String(port), '--script', script, ...extraArgs]);
    return JSON.parse(stdout) as string[];
  };

  const order = (
    controlId: string,
    accession: string,
    patientId: string,
    expectedImages: number,
    type = 'ORM^O01',
    priority = 'R',
  ): string =>
    [
      `MSH|^~\\&|RIS|RADIOLOGY|OSTEON|ED|20260101120000||${type}|${controlId}|P|2.5.1`,
      `PID|1||${patientId}||TEST^PATIENT||19700101|F`,
      segment('ORC', { 1: 'NW', 2: `PLACER-${accession}`, 3: accession, 5: 'SC', 7: `${expectedImages}^^^^^${priority}` }),
      // Expected number of images: the quantity of OBR-27 (see src/hl7/order-message.parser.ts).
      segment('OBR', {
        1: '1',
        2: `PLACER-${accession}`,
        3: accession,
        4: 'XRHAND^X-ray hand 2 views^L',
        18: accession,
        27: `${expectedImages}^^^^^S`,
      }),
    ].join('\r');

  /** An ordered study: the order first, then its images with the accession number. */
  const orderedStudy = async (
    tag: string,
    imageIndexes: number[],
    expectedImages = imageIndexes.length,
    options: { priority?: string; bodyPartExamined?: string } = {},
  ): Promise<{ studyInstanceUid: string; accession: string; patientId: string; files: string[] }> => {
    const accession = `ACC-${tag}`;
    const patientId = `PAT-${tag}`;
    const replies = await sendToOsteon([
      { message: order(`ORD-${tag}`, accession, patientId, expectedImages, 'ORM^O01', options.priority) },
      { read: true },
    ]);
    expect(field(replies[0] as string, 'MSA', 1)).toBe('AA');
    const files: string[] = [];
    let studyInstanceUid: string | undefined;
    for (const [position, index] of imageIndexes.entries()) {
      const made = await makeInstance(
        images[index] as string,
        path.join(workspace.dir, tag, `${position}.dcm`),
        { patientId, patientName: 'DOE^JANE', birthDate: '19700101', sex: 'F' },
        {
          studyInstanceUid,
          accessionNumber: accession,
          instanceNumber: position + 1,
          bodyPartExamined: 'bodyPartExamined' in options ? options.bodyPartExamined : 'HAND',
        },
      );
      studyInstanceUid = made.studyInstanceUid;
      files.push(made.file);
    }
    return { studyInstanceUid: studyInstanceUid as string, accession, patientId, files };
  };

  const reportFor = (studyInstanceUid: string, minImages = 1): Promise<{ id: string; status: string; imageCount: number }> =>
    waitFor(
      async () => {
        const page = await api<{ items: Array<{ id: string; status: string; imageCount: number }> }>(
          engine,
          'GET',
          `/api/reports?studyInstanceUid=${studyInstanceUid}`,
        );
        const item = page.body.items[0];
        return item && item.imageCount >= minImages ? item : undefined;
      },
      60_000,
      200,
    );

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const reportDetail = async (id: string): Promise<any> => (await api(engine, 'GET', `/api/reports/${id}`)).body;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const hl7State = (id: string, status: string): Promise<any> =>
    waitFor(async () => {
      const state = (await reportDetail(id)).deliveries?.hl7;
      return state?.status === status ? state : undefined;
    }, 60_000);

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('hl7');
    images = await fixtureImageNames();
    peerLog = path.join(workspace.dir, 'ris-received.jsonl');
    peerMode = path.join(workspace.dir, 'ris-mode.json');
    await setAcks([]);
    peerPort = await freePort();
    mllpPort = await freePort();
    await startPeer();
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `hl7_${Date.now()}`,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        // Only an order's expected image count can trigger analysis within the test's time.
        OSTEON_STUDY_IDLE_MS: '600000',
        OSTEON_RIS_HOST: '127.0.0.1',
        OSTEON_RIS_PORT: String(peerPort),
        OSTEON_MLLP_PORT: String(mllpPort),
        OSTEON_HL7_ACK_TIMEOUT_MS: '3000',
        OSTEON_JOB_BACKOFF_MS: '200',
        OSTEON_JOB_MAX_ATTEMPTS: '10',
        OSTEON_HL7_EMBED_PDF: 'true',
        // The RIS as it connects here: MSH-3^MSH-4 and its address (peers connect from 127.0.0.1).
        OSTEON_HL7_TRUSTED_SENDERS: 'RIS^RADIOLOGY@127.0.0.1',
      },
    });
    // Dr House signs in the RIS as interpreter 1234 (OBR-32).
    await userToken(engine, 'dr.house', 'doctor', { externalIds: ['1234'] });
  });

  afterAll(async () => {
    if (process.env.HL7_E2E_DEBUG) await fs.writeFile(process.env.HL7_E2E_DEBUG, engine?.process.output() ?? '');
    await engine?.stop();
    await peer?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  let draftReportId: string;
  let draftAccession: string;
  let draftStudyUid: string;
  let countReportId: string;

  it('sends the AI draft of an ordered study to the RIS as ORU^R01 with OBR-25 P and the coded findings', async () => {
    const study = await orderedStudy('DRAFT', [0]);
    draftAccession = study.accession;
    draftStudyUid = study.studyInstanceUid;
    expect([...(await dcmsend(study.files, engine.dicomPort)).statuses.values()]).toEqual([0]);
    const item = await reportFor(study.studyInstanceUid);
    draftReportId = item.id;
    const state = await hl7State(item.id, 'delivered');
    const report = await reportDetail(item.id);
    const [message] = await messagesForReport(item.id);
    expect(message).toBeDefined();
    const raw = (message as PeerMessage).raw;
    expect(field(raw, 'MSH', 9)).toBe('ORU^R01^ORU_R01');
    expect(field(raw, 'MSH', 12)).toBe('2.5.1');
    expect(field(raw, 'MSH', 10)).toBe(state.references.messageControlId);
    expect(field(raw, 'PID', 3)).toBe(study.patientId);
    expect(field(raw, 'PID', 5)).toBe('DOE^JANE');
    expect(field(raw, 'PID', 7)).toBe('19700101');
    expect(field(raw, 'PID', 8)).toBe('F');
    expect(field(raw, 'OBR', 3)).toBe(`${await fillerOf(item.id)}^OSTEON`);
    expect(field(raw, 'OBR', 18)).toBe(study.accession);
    expect(field(raw, 'OBR', 25)).toBe('P');
    const priority = { urgent: 'S', soon: 'A', routine: 'R' }[report.urgency as string];
    expect(field(raw, 'OBR', 27).split('^')[5]).toBe(priority);
    expect(field(raw, 'ORC', 7).split('^')[5]).toBe(priority);
    const obx = observations(raw);
    expect(obx.get('FX')?.[0]).toMatchObject({
      type: 'CWE',
      value: report.findings.fracture ? '125605004^Fracture of bone^SCT' : '260385009^Negative^SCT',
      status: 'P',
    });
    expect(obx.get('FXPROB')?.[0]?.type).toBe('NM');
    expect(Number(obx.get('FXPROB')?.[0]?.value)).toBeCloseTo(report.findings.probability, 3);
    expect(obx.get('FXCOUNT')?.[0]?.value.split('^')[0]).toBe(report.findings.countClass);
    expect(obx.get('BODYPART')?.[0]?.value).toBe('85562004^Hand^SCT');
    expect(obx.get('URGENCY')?.[0]?.value.split('^')[0]).toBe(report.urgency);
    expect(obx.get('19005-8')?.[0]?.type).toBe('TX');
    expect(obx.get('19005-8')?.[0]?.value).toContain('AI draft');
    expect(message?.ack).toBe('AA');
  });

  it('logs the draft’s whole path under the association’s correlation id, and counts the RIS’s ACK and the delivery in /metrics', async () => {
    const lines = engine.process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const stored = lines.find((line) => line.msg === 'instance stored' && line.studyInstanceUid === draftStudyUid);
    expect(stored?.correlationId).toEqual(expect.any(String));
    const delivered = lines.find((line) => line.msg === 'ORU delivered to the RIS' && line.reportId === draftReportId);
    expect(delivered?.correlationId).toBe(stored?.correlationId);
    const metrics = await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`, {
      headers: { authorization: `Bearer ${TEST_OPERATOR_API_KEY}` },
    });
    const text = await metrics.text();
    expect(text).toMatch(/^osteon_hl7_acks_total\{direction="received",code="AA"\} [1-9]/m);
    expect(text).toMatch(/^osteon_delivery_seconds_count\{channel="hl7",outcome="delivered"\} [1-9]/m);
  });

  it('takes the body part from a stat order when the images carry none, and makes the report urgent', async () => {
    const study = await orderedStudy('STAT1', [3], 1, { priority: 'S', bodyPartExamined: undefined });
    expect([...(await dcmsend(study.files, engine.dicomPort)).statuses.values()]).toEqual([0]);
    const item = await reportFor(study.studyInstanceUid, 1);
    const report = await reportDetail(item.id);
    expect(report.urgency).toBe('urgent');
    expect(report.images[0].findings.bodyPart).toBe('hand');
  });

  it('reads a study as soon as the image count of its order is reached, without the idle wait', async () => {
    const study = await orderedStudy('COUNT2', [1, 2], 2);
    expect([...(await dcmsend([study.files[0] as string], engine.dicomPort)).statuses.values()]).toEqual([0]);
    const beforeSecond = await api(engine, 'GET', `/api/reports?studyInstanceUid=${study.studyInstanceUid}`);
    expect(beforeSecond.body.total).toBe(0);
    expect([...(await dcmsend([study.files[1] as string], engine.dicomPort)).statuses.values()]).toEqual([0]);
    const item = await reportFor(study.studyInstanceUid, 2);
    expect(item.imageCount).toBe(2);
    countReportId = item.id;
    // Settled before the next test changes how the RIS answers.
    await hl7State(item.id, 'delivered');
  });

  it('supersedes the draft in the RIS: F with the patient PDF when a doctor signs it in Osteon, X when it is withdrawn', async () => {
    const doctor = await userToken(engine, 'dr-hl7', 'doctor', { displayName: 'Dr. Lisa Cuddy' });
    expect((await api(engine, 'POST', `/api/reports/${countReportId}/confirm`, { token: doctor })).status).toBe(200);
    const signed = await waitFor(async () =>
      (await messagesForReport(countReportId)).find((message) => field(message.raw, 'OBR', 25) === 'F'),
    );
    // NDL/CNN: the login as the ID, then the signing name (family, given, prefix) the RIS shows.
    expect(field(signed.raw, 'OBR', 32)).toBe('dr-hl7&Cuddy&Lisa&&&Dr.');
    expect(observations(signed.raw).get('FX')?.[0]?.status).toBe('F');
    // The signed result carries the patient PDF (ED); the AI draft did not.
    const [document] = observations(signed.raw).get('PDF') ?? [];
    expect(document?.type).toBe('ED');
    const [, dataType, subtype, encoding, data] = (document?.value ?? '').split('^');
    expect([dataType, subtype, encoding]).toEqual(['AP', 'PDF', 'Base64']);
    const pdf = Buffer.from(data ?? '', 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-8).toString('latin1')).toContain('%%EOF');
    const draft = (await messagesForReport(countReportId)).find((message) => field(message.raw, 'OBR', 25) === 'P');
    expect(draft && observations(draft.raw).has('PDF')).toBe(false);
    await hl7State(countReportId, 'delivered');
    expect(
      (await api(engine, 'POST', `/api/reports/${countReportId}/withdraw`, { token: doctor, json: { reason: 'wrong patient' } })).status,
    ).toBeLessThan(300);
    const withdrawn = await waitFor(async () =>
      (await messagesForReport(countReportId)).find((message) => field(message.raw, 'OBR', 25) === 'X'),
    );
    expect(observations(withdrawn.raw).get('FX')?.[0]?.status).toBe('W');
    expect(observations(withdrawn.raw).has('PDF')).toBe(false);
    await waitFor(async () => {
      const state = (await reportDetail(countReportId)).deliveries?.hl7;
      return state?.status === 'delivered' && state.references.resultStatus === 'X' ? state : undefined;
    });
    expect((await messagesForReport(countReportId)).map((message) => field(message.raw, 'OBR', 25))).toEqual(['P', 'F', 'X']);
  });

  it('retries an ORU the RIS answered with AE and delivers it once when the RIS then accepts it', async () => {
    await setAcks(['AE'], 'database busy');
    const study = await orderedStudy('AE', [3]);
    await dcmsend(study.files, engine.dicomPort);
    const item = await reportFor(study.studyInstanceUid);
    const state = await hl7State(item.id, 'delivered');
    const messages = await messagesForReport(item.id);
    expect(messages.map((message) => message.ack)).toEqual(['AE', 'AA']);
    // A retry is the same message: a RIS that took the first one can recognise the second.
    expect(new Set(messages.map((message) => message.controlId)).size).toBe(1);
    expect(state.attempts).toBe(2);
    expect(state.error ?? undefined).toBeUndefined();
  });

  it('retries on a fresh connection when the RIS never acknowledges a message', async () => {
    await setAcks(['NONE']);
    const study = await orderedStudy('NOACK', [6]);
    await dcmsend(study.files, engine.dicomPort);
    const item = await reportFor(study.studyInstanceUid);
    const state = await hl7State(item.id, 'delivered');
    expect((await messagesForReport(item.id)).map((message) => message.ack)).toEqual(['NONE', 'AA']);
    expect(state.attempts).toBe(2);
  });

  it('dead-letters an ORU the RIS rejects with AR, with the RIS text, and delivers it on replay', async () => {
    await setAcks(['AR'], 'unknown patient in RIS');
    const study = await orderedStudy('AR', [4]);
    await dcmsend(study.files, engine.dicomPort);
    const item = await reportFor(study.studyInstanceUid);
    const state = await hl7State(item.id, 'dead');
    expect(state.error).toContain('unknown patient in RIS');
    const dead = await waitFor(async () => {
      const jobs = await api<{ items: Array<{ id: string; key: string; lastError: string }> }>(engine, 'GET', '/api/jobs?status=dead');
      return jobs.body.items.find((job) => job.key === `deliver-hl7:${item.id}`);
    });
    expect(dead.lastError).toContain('AR');
    expect(dead.lastError).toContain('unknown patient in RIS');
    expect((await messagesForReport(item.id)).map((message) => message.ack)).toEqual(['AR']);
    const replay = await api(engine, 'POST', `/api/jobs/${dead.id}/replay`);
    expect(replay.status).toBeLessThan(300);
    await hl7State(item.id, 'delivered');
    expect((await messagesForReport(item.id)).map((message) => message.ack)).toEqual(['AR', 'AA']);
  });

  it('keeps retrying while the RIS is down and delivers once it is back', async () => {
    await peer?.stop();
    peer = undefined;
    const study = await orderedStudy('DOWN', [5]);
    await dcmsend(study.files, engine.dicomPort);
    const item = await reportFor(study.studyInstanceUid);
    const failed = await hl7State(item.id, 'failed');
    expect(failed.error).toMatch(/RIS/);
    await startPeer();
    await hl7State(item.id, 'delivered');
    expect((await messagesForReport(item.id)).map((message) => message.ack)).toEqual(['AA']);
  });

  const result = (
    controlId: string,
    filler: string,
    accession: string,
    status: 'F' | 'C' | 'P',
    finding: string,
    count: string,
    sender = 'RIS|RADIOLOGY',
    interpreter = '1234&House&Gregory',
  ): string =>
    [
      `MSH|^~\\&|${sender}|OSTEON|ED|20260101130000||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
      'PID|1||PAT-DRAFT||TEST^PATIENT',
      segment('OBR', { 1: '1', 3: filler, 4: 'XRHAND^X-ray hand^L', 18: accession, 25: status, 32: interpreter }),
      `OBX|1|CWE|FX^Fracture finding^99OST|1|${finding}||||||${status}`,
      `OBX|2|CWE|FXCOUNT^Fracture count^99OST|1|${count}||||||${status}`,
      `OBX|3|CWE|BODYPART^Body part examined^99OST|1|85562004^Hand^SCT||||||${status}`,
      `OBX|4|TX|19005-8^Impression^LN|1|Checked by the radiologist.||||||${status}`,
    ].join('\r');

  const auditOf = async (action: string, controlId: string): Promise<Array<{ details: { code: string; reason: string } }>> =>
    (
      await api<{ items: Array<{ details: { code: string; reason: string } }> }>(
        engine,
        'GET',
        `/api/audit?action=${action}&resourceId=${controlId}`,
      )
    ).body.items;

  it('refuses a forged sign-off (unknown sender, unknown interpreter, trusted name from another address) with AR, audits it and changes nothing', async () => {
    const before = await reportDetail(draftReportId);
    const forged = (controlId: string, sender: string, interpreter: string): string =>
      result(controlId, `${draftReportId}^OSTEON`, draftAccession, 'F', '260385009^Negative^SCT', '0^^99OSTCNT', sender, interpreter);
    const replies = await sendToOsteon([
      { message: forged('FORGED-1', 'ANYTHING|ANYWHERE', '1234&House&Gregory') },
      { read: true },
      { message: forged('FORGED-2', 'RIS|RADIOLOGY', 'EVIL&Evil&Eve') },
      { read: true },
      { message: forged('FORGED-3', 'RIS|RADIOLOGY', '') },
      { read: true },
    ]);
    expect(replies.map((reply) => field(reply, 'MSA', 1))).toEqual(['AR', 'AR', 'AR']);
    expect(field(replies[0] as string, 'MSA', 3)).toContain('not a trusted HL7 sender');
    expect(field(replies[1] as string, 'MSA', 3)).toContain('"EVIL" is not an active doctor account');
    expect(field(replies[2] as string, 'MSA', 3)).toContain('OBR-32 names no principal result interpreter');
    // The trusted application and facility, connecting from an address the configuration does not name.
    const elsewhere = await sendToOsteon(
      [{ message: forged('FORGED-4', 'RIS|RADIOLOGY', '1234&House&Gregory') }, { read: true }],
      ['--source', '127.0.0.2'],
    );
    expect(field(elsewhere[0] as string, 'MSA', 1)).toBe('AR');
    expect(field(elsewhere[0] as string, 'MSA', 3)).toContain('from 127.0.0.2');
    // An order from an untrusted sender is refused the same way.
    const order = (
      await sendToOsteon([
        { message: `MSH|^~\\&|ANYTHING|X|OSTEON|ED|2026||ORM^O01|FORGED-ORD|P|2.5.1\rPID|1||P\rORC|NW||ACC-F\rOBR|1||ACC-F|XR^X` },
        { read: true },
      ])
    )[0];
    expect(field(order as string, 'MSA', 1)).toBe('AR');
    expect((await auditOf('hl7.verdict.refused', 'FORGED-1'))[0]?.details.code).toBe('untrusted-sender');
    expect((await auditOf('hl7.verdict.refused', 'FORGED-2'))[0]?.details.code).toBe('unknown-interpreter');
    expect((await auditOf('hl7.verdict.refused', 'FORGED-4'))[0]?.details.code).toBe('untrusted-sender');
    expect(await auditOf('hl7.order.refused', 'FORGED-ORD')).toHaveLength(1);
    const after = await reportDetail(draftReportId);
    expect(after.status).toBe(before.status);
    expect(after.reviews).toHaveLength(0);
    expect((await api(engine, 'GET', `/api/reports/${draftReportId}/labels`)).body.items).toHaveLength(0);
  });

  it('turns a final ORU from the RIS into a final report with a training label, applied once per control id', async () => {
    const ai = (await reportDetail(draftReportId)).findings;
    const finding = ai.fracture ? '125605004^Fracture of bone^SCT' : '260385009^Negative^SCT';
    const message = result(
      'RES-FINAL-1',
      `${await fillerOf(draftReportId)}^OSTEON`,
      draftAccession,
      'F',
      finding,
      `${ai.countClass}^^99OSTCNT`,
    );
    const replies = await sendToOsteon([{ message }, { read: true }, { message }, { read: true }]);
    expect(replies.map((reply) => field(reply, 'MSA', 1))).toEqual(['AA', 'AA']);
    expect(replies.map((reply) => field(reply, 'MSA', 2))).toEqual(['RES-FINAL-1', 'RES-FINAL-1']);
    expect(field(replies[1] as string, 'MSA', 3)).toContain('already processed');
    expect(field(replies[0] as string, 'MSH', 10)).not.toBe(field(replies[1] as string, 'MSH', 10));
    const report = await reportDetail(draftReportId);
    expect(report.status).toBe('final');
    expect(report.reviews).toHaveLength(1);
    expect(report.review).toMatchObject({
      source: 'hl7',
      agreed: true,
      by: { username: 'dr.house', role: 'doctor' },
      verdict: { conclusion: 'Checked by the radiologist.' },
    });
    const labels = await api(engine, 'GET', `/api/reports/${draftReportId}/labels`);
    expect(labels.body.items.length).toBeGreaterThan(0);
    expect(labels.body.items[0]).toMatchObject({ verdict: 'agreed' });
  });

  it('turns a corrected ORU that names the study by accession into an amended report', async () => {
    const ai = (await reportDetail(draftReportId)).findings;
    const finding = ai.fracture ? '260385009^Negative^SCT' : '125605004^Fracture of bone^SCT';
    const count = ai.fracture ? '0^^99OSTCNT' : '1^^99OSTCNT';
    const replies = await sendToOsteon([{ message: result('RES-CORR-1', '', draftAccession, 'C', finding, count) }, { read: true }]);
    expect(field(replies[0] as string, 'MSA', 1)).toBe('AA');
    const report = await reportDetail(draftReportId);
    expect(report.status).toBe('amended');
    expect(report.review).toMatchObject({ source: 'hl7', agreed: false, verdict: { fracture: !ai.fracture } });
    const labels = await api(engine, 'GET', `/api/reports/${draftReportId}/labels`);
    expect(labels.body.items.map((label: { verdict: string }) => label.verdict)).toContain('amended');
  });

  it('answers a result for an unknown report with AE and an ERR segment, and an unsupported type with AR', async () => {
    const replies = await sendToOsteon([
      { message: result('RES-UNKNOWN-1', 'no-such-report', 'NO-SUCH-ACC', 'F', '125605004^Fracture of bone^SCT', '1') },
      { read: true },
      { message: 'MSH|^~\\&|RIS|RADIOLOGY|OSTEON|ED|20260101||ADT^A01|ADT-1|P|2.5.1\rPID|1||X' },
      { read: true },
      { message: result('RES-PRELIM-1', `${await fillerOf(draftReportId)}^OSTEON`, '', 'P', '125605004^Fracture of bone^SCT', '1') },
      { read: true },
    ]);
    expect(field(replies[0] as string, 'MSA', 1)).toBe('AE');
    expect(field(replies[0] as string, 'ERR', 3)).toMatch(/^204\^/);
    expect(field(replies[1] as string, 'MSA', 1)).toBe('AR');
    expect(field(replies[1] as string, 'MSA', 2)).toBe('ADT-1');
    expect(field(replies[1] as string, 'ERR', 3)).toMatch(/^200\^/);
    expect(field(replies[2] as string, 'MSA', 1)).toBe('AR');
  });

  it('NAKs garbage and half-framed messages and still serves the next message on the same connection', async () => {
    const good1 = order('GOOD-1', 'ACC-GOOD-1', 'PAT-GOOD', 1);
    const good2 = order('GOOD-2', 'ACC-GOOD-2', 'PAT-GOOD', 1);
    const replies = await sendToOsteon([
      { raw: 'this is not HL7 at all\r\n' },
      { message: good1 },
      { read: true },
      { read: true },
      { raw: '\x0bMSH|^~\\&|RIS|RADIOLOGY|OSTEON|ED|2026||ORM^O01|HALF-1|P|2.5.1\rPID|1||' },
      { message: good2 },
      { read: true },
      { read: true },
      { message: 'complete garbage inside a frame' },
      { read: true },
    ]);
    expect(replies.map((reply) => [field(reply, 'MSA', 1), field(reply, 'MSA', 2)])).toEqual([
      ['AE', ''],
      ['AA', 'GOOD-1'],
      ['AE', ''],
      ['AA', 'GOOD-2'],
      ['AE', ''],
    ]);
    expect(new Set(replies.map((reply) => field(reply, 'MSH', 10))).size).toBe(replies.length);
  });
});
