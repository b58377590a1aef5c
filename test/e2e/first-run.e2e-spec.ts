import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { channelStatesSchema } from '../../src/deliveries/deliveries-api.schema';
import { jobPageSchema } from '../../src/jobs/job-api.schema';
import { reportDetailSchema, worklistSchema } from '../../src/reports/report-api.schema';
import { studyPageSchema } from '../../src/studies/studies-api.schema';
import { startEngine, type Engine } from '../support/engine';
import { api, TEST_PASSWORD } from '../support/http';
import { shippedModelVersion } from '../support/models-dir';
import { tempWorkspace } from '../support/workspace';

const CHROMIUM = '/usr/bin/chromium';
const README = path.join(__dirname, '..', '..', 'README.md');
const OPERATOR = 'first-operator';

/** The shell block of the README's "Send a first study", as a newcomer would paste it. */
async function firstStudyCommands(): Promise<string> {
  const readme = await fs.readFile(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Send a first study'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block?.[1]) throw new Error('README has no "Send a first study" shell block');
  return block[1];
}

/** Runs a bash script from the repository root with `input` on stdin; resolves with its output and exit code. */
function runBash(script: string, input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: path.join(__dirname, '..', '..'), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** `/metrics` as name{labels} → value, as Prometheus would scrape it with the operator's token. */
async function scrape(engine: Engine, token: string): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${engine.httpPort}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

describe('a newcomer: fresh data directory → first operator in the console → the README first study → its report', () => {
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    workspace = await tempWorkspace('first-run');
    // The README's defaults: the shipped model, no API key, no channel; only the ports and data directory are the test's.
    engine = await startEngine({ dataDir: path.join(workspace.dir, 'data'), withoutOperatorKey: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (process.env.OSTEON_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_ENGINE_LOG, engine.process.output());
    await engine?.stop();
    await workspace?.cleanup();
  });

  it('ends its start-up log with one line saying where the console and DICOM are and what to do first', async () => {
    // The last line of start-up; background work (the catch-up sweeps) may log after it.
    const lines = engine.process.output().trim().split('\n');
    const listening = lines.findIndex((line) => line.includes('HTTP API listening'));
    const last = JSON.parse(lines[listening + 1] as string) as { msg: string };
    expect(last.msg).toMatch(/^Osteon is ready\./);
    expect(last.msg).toContain(`Console http://127.0.0.1:${engine.httpPort}/`);
    expect(last.msg).toContain(`DICOM AE title OSTEON on 127.0.0.1:${engine.dicomPort}`);
    expect(last.msg).toMatch(/create the first operator \(from another machine the setup code [A-Z2-9]{4}-[A-Z2-9]{4} is needed\)/);
  });

  it('answers with security headers (helmet) and without X-Powered-By', async () => {
    for (const urlPath of ['/api/setup', '/', '/api/studies']) {
      const response = await fetch(`http://127.0.0.1:${engine.httpPort}${urlPath}`);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    }
  });

  it('refuses the setup from another machine without the setup code', async () => {
    expect((await api(engine, 'GET', '/api/setup', { token: null })).body).toEqual({ firstOperatorNeeded: true, setupCodeNeeded: false });
    const response = await fetch(`http://127.0.0.1:${engine.httpPort}/api/setup/first-operator`, {
      method: 'POST',
      // A proxy header: the request is someone else's, forwarded by a reverse proxy on this machine.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.8.7', 'x-osteon-setup-code': 'AAAA-AAAA' },
      body: JSON.stringify({ username: 'intruder', displayName: 'Intruder', password: TEST_PASSWORD }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { code: string }).code).toBe('AUTH_SETUP_CODE_REQUIRED');
  });

  it('creates the first operator on the console setup screen in Chromium, and then the screen is gone for good', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${engine.httpPort}/`);
    await page.waitForURL('**/setup');
    await page.getByRole('heading', { name: 'Welcome to Osteon' }).waitFor();
    await page.getByLabel('User name').fill(OPERATOR);
    await page.getByLabel('Display name').fill('First Operator');
    await page.getByLabel(/^Password/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create operator and sign in' }).click();
    await page.waitForURL('**/operations');
    await page.getByText(`${OPERATOR}`, { exact: false }).first().waitFor();

    expect((await api(engine, 'GET', '/api/setup', { token: null })).body).toEqual({ firstOperatorNeeded: false, setupCodeNeeded: false });
    const again = await api(engine, 'POST', '/api/setup/first-operator', {
      token: null,
      json: { username: 'second', displayName: 'Second', password: TEST_PASSWORD },
    });
    expect(again.status).toBe(410);
    expect(again.body.code).toBe('AUTH_SETUP_DONE');
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(`http://127.0.0.1:${engine.httpPort}/setup`);
    await fresh.getByRole('heading', { name: 'Osteon is set up' }).waitFor();
  }, 60_000);

  it('sends the README first study with storescu, as written, and sees its preliminary report; /metrics counts every stage', async () => {
    const token = (
      await api<{ accessToken: string }>(engine, 'POST', '/api/auth/login', {
        token: null,
        json: { username: OPERATOR, password: TEST_PASSWORD },
      })
    ).body.accessToken;
    const before = await scrape(engine, token);
    const script = (await firstStudyCommands())
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${engine.httpPort}`)
      .replaceAll('127.0.0.1 11112', `127.0.0.1 ${engine.dicomPort}`)
      .replaceAll('/tmp/demo', path.join(workspace.dir, 'demo'));
    const { code, output } = await runBash(script, `${OPERATOR}\n${TEST_PASSWORD}\n`);
    expect({ code, tail: output.slice(-3000) }).toEqual({ code: 0, tail: expect.any(String) });
    const lines = output.trim().split('\n');
    const studies = JSON.parse(lines[lines.length - 2] as string) as { total: number; items: Array<{ patientId: string }> };
    expect(studies.total).toBe(1);
    expect(studies.items[0]?.patientId).toBe('DEMO-1');
    const reports = JSON.parse(lines[lines.length - 1] as string) as {
      total: number;
      items: Array<{ status: string; patientId: string; findings: unknown }>;
    };
    expect(reports.total).toBe(1);
    expect(reports.items[0]).toMatchObject({ status: 'preliminary', patientId: 'DEMO-1' });
    expect(reports.items[0]?.findings).not.toBeNull();

    // The answers match the schemas the OpenAPI document is generated from.
    studyPageSchema.parse(studies);
    worklistSchema.parse(reports);
    const report = await api(engine, 'GET', `/api/reports/${(reports.items[0] as unknown as { id: string }).id}`, { token });
    expect(report.status).toBe(200);
    reportDetailSchema.parse(report.body);
    jobPageSchema.parse((await api(engine, 'GET', '/api/jobs', { token })).body);
    channelStatesSchema.parse((await api(engine, 'GET', '/api/deliveries/channels', { token })).body);

    const after = await scrape(engine, token);
    const moved = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(moved('osteon_dicom_instances_total{outcome="stored",status="0000"}')).toBe(1);
    expect(moved('osteon_dicom_store_seconds_count{outcome="stored"}')).toBe(1);
    // Each part of the stored image's durability, once; the engine's own results (stored after the reading) are not counted.
    for (const part of ['file', 'index', 'directory']) expect(moved(`osteon_ingest_durable_seconds_count{part="${part}"}`)).toBe(1);
    expect(moved('osteon_study_assembly_wait_seconds_count')).toBe(1);
    expect(moved('osteon_inference_seconds_count{outcome="analysed"}')).toBe(1);
    expect(moved('osteon_report_created_seconds_count')).toBe(1);
    expect(after.get(`osteon_model_info{version="${shippedModelVersion()}"}`)).toBe(1);
    expect(after.get('osteon_job_queue_depth{type="analyse-study",status="pending"}')).toBe(0);
    expect(after.has('osteon_delivery_channel_state{channel="hl7",state="off"}')).toBe(true);
    expect(after.has('osteon_log_lines_dropped_total')).toBe(true);
  }, 120_000);

  it("logged the study path under the association's correlation id: ingest, the analysis job, the report", () => {
    const lines = engine.process
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const stored = lines.find((line) => line.msg === 'instance stored');
    const correlationId = stored?.correlationId;
    expect(correlationId).toEqual(expect.any(String));
    const sameStudy = lines.filter((line) => line.correlationId === correlationId).map((line) => line.msg);
    expect(sameStudy).toEqual(expect.arrayContaining(['instance stored', 'report created', 'job done']));
  });

  it('logged JSON for a machine: one line per HTTP request with its route pattern, no framework chatter, nothing about the patient', async () => {
    const lines = engine.process
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === 'HTTP request');
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        route: '/api/studies',
        status: 200,
        ms: expect.any(Number),
        correlationId: expect.any(String),
      }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ method: 'POST', route: '/api/setup/first-operator', status: 201 }));
    expect(lines.filter((line) => line.module === 'nest' && (line.level as number) < 40)).toEqual([]);
    const text = engine.process.output();
    for (const patientData of ['DEMO-1', 'DOE', 'JANE', TEST_PASSWORD]) expect(text).not.toContain(patientData);
  });
});
