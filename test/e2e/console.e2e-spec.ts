import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { FIXTURE_IMAGES, fixtureImageNames } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, TEST_PASSWORD, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { TestPortal } from '../support/portal-peer';
import { freePort } from '../support/ports';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', '.tmp', 'console-screenshots');
const TABLET = { width: 1180, height: 820 };
const PHONE = { width: 390, height: 844 };
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');
const PORTAL_SECRET = 'console-suite-portal-secret-0123456789';
const DOCTOR_NAME = 'Dr. Console Reader';
const execFileAsync = promisify(execFile);

interface WorklistItem {
  id: string;
  patientId: string;
  patientName?: string;
  birthDate?: string;
  accessionNumber?: string;
  studyDate?: string;
  imageCount: number;
  status: string;
  findings: { fracture: boolean; countClass: string; bodyPart: string };
}

interface JobRow {
  id: string;
  type: string;
  key: string;
  status: string;
}

// userToken creates every account with TEST_PASSWORD.
const password = (_username: string): string => TEST_PASSWORD;

describe('web console in Chromium: upload → worklist → amend → analytics; operator replays a dead letter', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let browser: Browser;
  let portal: TestPortal;
  let portalPort: number;
  let images: string[];
  let doctorToken: string;
  let adminToken: string;
  const contexts: BrowserContext[] = [];
  /** Script errors, failed loads and CSP violations the console caused in any page. */
  const browserErrors: string[] = [];

  beforeAll(async () => {
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    database = await startTestDatabase();
    workspace = await tempWorkspace('console');
    images = await fixtureImageNames();
    const models = await modelsDirForTests();
    // The portal is down (nothing listens on its port) until the operator replays: with a maximum
    // age of about 2 s its deliveries dead-letter after their first retries.
    portal = new TestPortal();
    portalPort = await freePort();
    const httpPort = await freePort();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `console_${Date.now()}`,
      httpPort,
      env: {
        OSTEON_MODELS_DIR: models.dir,
        OSTEON_STUDY_IDLE_MS: '400',
        OSTEON_JOB_MAX_ATTEMPTS: '1',
        OSTEON_PORTAL_MAX_AGE_HOURS: '0.0005',
        OSTEON_PORTAL_URL: `http://127.0.0.1:${portalPort}/webhooks/osteon`,
        OSTEON_PORTAL_SECRET: PORTAL_SECRET,
        OSTEON_PORTAL_TIMEOUT_MS: '2000',
        OSTEON_PORTAL_SWEEP_MS: '3600000',
        OSTEON_JOB_BACKOFF_MS: '300',
        OSTEON_JOB_BACKOFF_MAX_MS: '600',
        OSTEON_PORTAL_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      },
    });
    adminToken = await userToken(engine, 'clerk-console', 'admin-worker');
    doctorToken = await userToken(engine, 'dr-console', 'doctor', { displayName: DOCTOR_NAME });
    await userToken(engine, 'op-console', 'operator');
    await userToken(engine, 'pat-console', 'patient', { patientId: 'CONSOLE-P1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    if (process.env.OSTEON_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_ENGINE_LOG, engine.process.output());
    await engine?.stop();
    await portal?.stop().catch(() => undefined);
    await database?.stop();
    await workspace?.cleanup();
  });

  /** A fresh browser context (no cookies, no storage) signed in through the console's form. */
  const signIn = async (username: string, viewport = TABLET): Promise<Page> => {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => browserErrors.push(`${username}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') browserErrors.push(`${username}: ${message.text()}`);
    });
    await page.goto(`http://127.0.0.1:${engine.httpPort}/`);
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password(username));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  };

  /** axe-core's WCAG 2.1 A/AA rules in the page; the serious and critical findings, named. */
  const accessibilityProblems = async (page: Page): Promise<string[]> => {
    await page.evaluate(await fs.readFile(AXE_SOURCE, 'utf8'));
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: unknown[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return result.violations as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
    });
    return violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  };

  const screenshot = (page: Page, name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  const reportOf = (patientId: string, minImages: number): Promise<WorklistItem> =>
    waitFor(
      async () => {
        const page = await api<{ items: WorklistItem[] }>(engine, 'GET', `/api/reports?patientId=${patientId}`, { token: doctorToken });
        const item = page.body.items[0];
        return item && item.imageCount >= minImages ? item : undefined;
      },
      90_000,
      250,
    );

  let amendedReport: WorklistItem;
  let doctorPage: Page;

  it('serves the console at / with revalidation, hashed assets cached for a year, and client routes falling back to index.html', async () => {
    const base = `http://127.0.0.1:${engine.httpPort}`;
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await (await fetch(`${base}/reports/0123456789abcdef01234567`)).text()).toBe(html);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/api/no-such-route`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('refuses a wrong password with a message, keeps the token out of URLs and localStorage, and sends a role away from screens not its own', async () => {
    const context = await browser.newContext({ viewport: TABLET });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${engine.httpPort}/worklist`);
    await page.getByLabel('User name').fill('clerk-console');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/wrong user name or password|invalid/i);
    await screenshot(page, '0-login-refused');
    await page.getByLabel('Password').fill(password('clerk-console'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New record' }).waitFor();
    await page.goto(`http://127.0.0.1:${engine.httpPort}/worklist`);
    await page.getByRole('heading', { name: 'New record' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/upload');
    const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.getItem('osteon.session') ?? '' }));
    expect(storage.local).toBe(0);
    expect(JSON.parse(storage.session)).toMatchObject({ role: 'admin-worker', username: 'clerk-console' });
    await context.close();
  });

  it('lets the admin worker create a record for a new patient with two JPEGs', async () => {
    const page = await signIn('clerk-console');
    await page.getByRole('heading', { name: 'New record' }).waitFor();
    expect(await page.getByRole('link', { name: 'Worklist' }).count()).toBe(0);
    await page.getByLabel('Patient id (required)').fill('CONSOLE-P1');
    await page.getByLabel('Family name').fill('KONSOLE');
    await page.getByLabel('Given name').fill('ANNA');
    await page.getByLabel('Birth date').fill('1975-06-30');
    await page.getByLabel('Sex').selectOption('F');
    await page.getByLabel('Accession number').fill('ACC-CON-1');
    await page.getByLabel('Study date').fill('2026-03-14');
    await page.getByLabel('Body part').selectOption('HAND');
    const jpeg = async (name: string): Promise<{ name: string; mimeType: string; buffer: Buffer }> => ({
      name,
      mimeType: 'image/jpeg',
      buffer: await fs.readFile(path.join(FIXTURE_IMAGES, name)),
    });
    await page.setInputFiles('#images', [
      await jpeg(images[4] as string),
      await jpeg(images[5] as string),
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    ]);
    const refused = page.getByText('Not an image Osteon reads: notes.txt');
    await refused.waitFor();
    // Record the upload progress the form shows while the bytes leave.
    await page.evaluate(() => {
      const seen = window as unknown as { maxProgress: number };
      seen.maxProgress = -1;
      new MutationObserver(() => {
        const bar = document.querySelector('progress[data-testid="upload-progress"]') as HTMLProgressElement | null;
        if (bar) seen.maxProgress = Math.max(seen.maxProgress, bar.value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Create record with 2 images' }).click();
    const uploaded = page.getByTestId('uploaded-record');
    await uploaded.waitFor();
    expect(await uploaded.textContent()).toContain('CONSOLE-P1: 2 images stored');
    // The earlier attempt's error is gone, and the progress bar went up and away.
    expect(await refused.count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { maxProgress: number }).maxProgress)).toBeGreaterThanOrEqual(0);
    expect(await page.getByTestId('upload-progress').count()).toBe(0);
    expect(page.url()).not.toContain('CONSOLE-P1');
    await screenshot(page, '1-admin-upload');
    const item = await reportOf('CONSOLE-P1', 2);
    expect(item.status).toBe('preliminary');
    expect(item).toMatchObject({
      patientName: 'KONSOLE^ANNA',
      birthDate: '19750630',
      accessionNumber: 'ACC-CON-1',
      studyDate: '2026-03-14',
    });
  });

  it('shows the doctor the worklist with badges, moves with j/k, and opens a report with its images and heat maps', async () => {
    // A second patient, sent straight to the API, so the worklist has two rows to move between.
    const form = new FormData();
    form.append('patientId', 'CONSOLE-P2');
    form.append('images', new Blob([await fs.readFile(path.join(FIXTURE_IMAGES, images[6] as string))], { type: 'image/jpeg' }), 'p2.jpg');
    expect((await api(engine, 'POST', '/api/records', { token: adminToken, form })).status).toBe(201);
    await reportOf('CONSOLE-P2', 1);
    amendedReport = await reportOf('CONSOLE-P1', 2);

    const page = await signIn('dr-console');
    doctorPage = page;
    const rows = page.locator('table.worklist tbody tr');
    await waitFor(async () => ((await rows.count()) === 2 ? true : undefined), 20_000);
    expect(await page.locator('table.worklist .badge').first().isVisible()).toBe(true);
    expect(await page.locator('table.worklist').textContent()).toMatch(/(urgent|soon|routine)/);
    expect(await page.locator('table.worklist').textContent()).toMatch(/(fracture suspected|no fracture)/);
    const annaRow = page.locator(`tr[data-report-id="${amendedReport.id}"]`);
    expect(await annaRow.getByTestId('patient-name').textContent()).toBe('KONSOLE, ANNA');
    expect(await annaRow.textContent()).toContain('1975-06-30');
    expect(await annaRow.textContent()).toContain('2026-03-14');
    expect(await annaRow.textContent()).toContain('acc. ACC-CON-1');
    expect(await page.locator('table.worklist thead').textContent()).toContain('AI draft (not verified)');

    // Take the report by keyboard: it shows in "Mine"; release it from there, take it again.
    await annaRow.focus();
    await page.keyboard.press('t');
    await waitFor(async () => ((await annaRow.getByTestId('row-assigned').textContent()) === DOCTOR_NAME ? true : undefined), 10_000);
    await page.keyboard.press('2');
    await waitFor(async () => ((await page.locator('table.worklist[data-view="mine"] tbody tr').count()) === 1 ? true : undefined), 10_000);
    expect(await rows.first().getAttribute('data-report-id')).toBe(amendedReport.id);
    await screenshot(page, '2a-doctor-mine');
    await rows
      .first()
      .getByRole('button', { name: /Release/ })
      .click();
    await page.getByTestId('worklist-empty').waitFor();
    const released = await api(engine, 'GET', `/api/reports/${amendedReport.id}`, { token: doctorToken });
    expect(released.body.assignedTo).toBeUndefined();
    await page.keyboard.press('1');
    await waitFor(
      async () => ((await page.locator('table.worklist[data-view="to-read"] tbody tr').count()) === 2 ? true : undefined),
      10_000,
    );
    await annaRow.getByRole('button', { name: /Take/ }).click();
    await waitFor(async () => ((await annaRow.getByTestId('row-assigned').textContent()) === DOCTOR_NAME ? true : undefined), 10_000);
    await screenshot(page, '2-doctor-worklist');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.keyboard.press('j');
    expect(await rows.nth(1).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('k');
    expect(await rows.nth(0).getAttribute('aria-selected')).toBe('true');

    await page.locator(`tr[data-report-id="${amendedReport.id}"]`).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/reports/${amendedReport.id}`);
    const pictures = page.locator('[data-testid="report-image"] img[data-loaded="true"]');
    await waitFor(async () => ((await pictures.count()) === 2 ? true : undefined), 30_000);
    const size = await pictures.first().evaluate((image: HTMLImageElement) => ({ width: image.naturalWidth, height: image.naturalHeight }));
    expect(Math.max(size.width, size.height)).toBeGreaterThan(100);
    expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(1024);
    expect(await page.getByTestId('heatmap').count()).toBe(0);
    await page.getByRole('button', { name: /Heat map off/ }).click();
    await waitFor(async () => ((await page.getByTestId('heatmap').count()) === 2 ? true : undefined), 20_000);
    expect(await page.getByRole('button', { name: /Heat map on/ }).getAttribute('aria-pressed')).toBe('true');
    // A box-head model's top box is outlined on each image it suspects (none for a 1.0.x model).
    const shown = await api<{ images: Array<{ findings: { fracture: boolean; box?: unknown } }> }>(
      engine,
      'GET',
      `/api/reports/${amendedReport.id}`,
      { token: doctorToken },
    );
    const boxed = shown.body.images.filter((image) => image.findings.fracture && image.findings.box).length;
    const active = JSON.parse(await fs.readFile(path.join((await modelsDirForTests()).dir, 'current.json'), 'utf8')) as {
      outputs?: string[];
    };
    // The shipped box model flags both fixture films (see its expected-osteon-fracture-*.json), so the count is not 0 = 0.
    if (active.outputs?.includes('boxes')) expect(boxed).toBeGreaterThan(0);
    await waitFor(async () => ((await page.getByTestId('ai-box').count()) === boxed ? true : undefined), 10_000);
    for (let k = 0; k < boxed; k += 1) {
      const box = await page.getByTestId('ai-box').nth(k).boundingBox();
      const stage = await page.getByTestId('ai-box').nth(k).locator('xpath=..').boundingBox();
      expect(box!.width).toBeGreaterThan(2);
      expect(box!.x).toBeGreaterThanOrEqual(stage!.x - 0.5);
      expect(box!.y + box!.height).toBeLessThanOrEqual(stage!.y + stage!.height + 0.5);
    }
    expect(page.url()).not.toContain('CONSOLE');
    await screenshot(page, '3-doctor-report-heatmap');
  });

  it('renders a stored image server-side as a greyscale PNG no larger than maxSize, for doctors and operators only, and audits it', async () => {
    const detail = await api(engine, 'GET', `/api/reports/${amendedReport.id}`, { token: doctorToken });
    const instanceId = detail.body.images[0].instanceId as string;
    const url = `http://127.0.0.1:${engine.httpPort}/api/instances/${instanceId}/preview.png?maxSize=256`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${doctorToken}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect(Math.max(metadata.width ?? 0, metadata.height ?? 0)).toBe(256);
    expect(metadata.channels).toBe(1);
    expect((await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(403);
    expect(
      (
        await fetch(`http://127.0.0.1:${engine.httpPort}/api/instances/${instanceId}/preview.png?maxSize=9`, {
          headers: { authorization: `Bearer ${doctorToken}` },
        })
      ).status,
    ).toBe(400);
    const audit = await api(engine, 'GET', `/api/audit?action=instance.preview&resourceId=${instanceId}`);
    expect(audit.body.items.length).toBeGreaterThan(0);
  });

  it('signs the doctor amendment from the report view, writes training labels, and agrees with the next report by keyboard', async () => {
    const page = doctorPage;
    await page.getByRole('button', { name: 'Amend…' }).click();
    const fracture = !amendedReport.findings.fracture;
    await page.getByRole('radio', { name: fracture ? 'Yes' : 'No' }).check();
    await page.getByLabel('Body part').selectOption('hand');
    await page.getByLabel('Conclusion').fill(fracture ? 'Undisplaced fracture of the fifth metacarpal.' : 'No fracture seen.');
    await screenshot(page, '4-doctor-amend-form');
    await page.getByRole('button', { name: 'Sign amended report' }).click();
    // Nothing is sent during the undo window.
    await page.getByTestId('undo-banner').waitFor();
    expect((await api(engine, 'GET', `/api/reports/${amendedReport.id}`, { token: doctorToken })).body.status).toBe('preliminary');
    await screenshot(page, '4a-doctor-sign-undo-window');

    // The console moves on to the next preliminary report: the other patient's.
    await page.waitForURL((url) => /\/reports\//.test(url.pathname) && !url.pathname.endsWith(amendedReport.id));
    const amended = await api(engine, 'GET', `/api/reports/${amendedReport.id}`, { token: doctorToken });
    expect(amended.body).toMatchObject({
      status: 'amended',
      review: { agreed: false, verdict: { fracture, bodyPart: 'hand' }, by: { username: 'dr-console' } },
    });
    const labels = await api(engine, 'GET', `/api/reports/${amendedReport.id}/labels`, { token: doctorToken });
    expect(labels.body.items).toHaveLength(2);
    for (const label of labels.body.items)
      expect(label).toMatchObject({ verdict: 'amended', label: { fracture }, labelledBy: { username: 'dr-console' } });

    await page.getByTestId('report-status').waitFor();
    // The previous signature may still be settling: press only once the next report is ready to sign.
    await page.waitForFunction(() => {
      const status = document.querySelector('[data-testid="report-status"]')?.textContent;
      const agree = document.querySelector('main.report button.primary');
      return status === 'preliminary' && agree !== null && !agree.hasAttribute('disabled');
    });
    // `a` starts the undo window; `u` takes it back and nothing is signed, even after the window has passed.
    const secondId = new URL(page.url()).pathname.split('/').pop() as string;
    await page.keyboard.press('a');
    await page.getByTestId('undo-banner').waitFor();
    await page.keyboard.press('u');
    await page.getByTestId('undo-banner').waitFor({ state: 'detached' });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect((await api(engine, 'GET', `/api/reports/${secondId}`, { token: doctorToken })).body.status).toBe('preliminary');
    expect(new URL(page.url()).pathname).toBe(`/reports/${secondId}`);
    await page.keyboard.press('a');
    await page.getByTestId('undo-banner').waitFor();
    await page.waitForFunction(() => location.pathname.endsWith('/worklist') || document.querySelector('[role="alert"]') !== null);
    // A failed sign shows the console's error: name it rather than time out.
    expect(await page.locator('[role="alert"]').allTextContents()).toEqual([]);
    await page.waitForURL('**/worklist');
    await page.getByText('No preliminary reports waiting').waitFor();
    const signed = await api<{ items: WorklistItem[] }>(engine, 'GET', '/api/reports?patientId=CONSOLE-P2', { token: doctorToken });
    expect(signed.body.items[0]?.status).toBe('final');
    expect(signed.body.items[0]).toMatchObject({ signedBy: DOCTOR_NAME });
  });

  it('draws the AI–doctor agreement chart with the disagreement the doctor just signed', async () => {
    const page = doctorPage;
    await page.getByRole('link', { name: 'Analytics' }).click();
    const bars = page.locator('[data-testid="chart-agreement"] tr.datum');
    await waitFor(async () => ((await bars.count()) > 0 ? true : undefined), 20_000);
    const descriptions = await bars.locator('td').allTextContents();
    const totals = descriptions
      .map((text) => /(\d+) of (\d+) reviewed/.exec(text))
      .map((match) => ({ agreed: Number(match?.[1]), reviewed: Number(match?.[2]) }));
    expect(totals.reduce((sum, row) => sum + row.reviewed, 0)).toBe(2);
    expect(totals.reduce((sum, row) => sum + row.agreed, 0)).toBe(1);
    expect(await page.locator('[data-testid="chart-volume"] tr.datum').count()).toBeGreaterThan(0);
    // Chart.js drew each chart on its canvas (a maintained library, not hand-drawn axes).
    const canvases = page.locator('.chart canvas[data-rendered="true"]');
    await waitFor(async () => ((await canvases.count()) >= 3 ? true : undefined), 10_000);
    const drawn = await canvases.first().evaluate((canvas: HTMLCanvasElement) => {
      const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let index = 3; index < pixels.length; index += 4) if ((pixels[index] as number) > 0) painted += 1;
      return { width: canvas.width, painted };
    });
    expect(drawn.width).toBeGreaterThan(100);
    expect(drawn.painted).toBeGreaterThan(500);
    await screenshot(page, '5-doctor-analytics');
    await page.setViewportSize({ width: 768, height: 1024 });
    await screenshot(page, '5b-doctor-analytics-tablet-portrait');
    await page.setViewportSize(TABLET);
  });

  it('shows the operator the portal deliveries, the active model, and replays a dead-lettered delivery once the portal is back', async () => {
    const dead = await waitFor(
      async () => {
        const jobs = await api<{ items: JobRow[] }>(engine, 'GET', '/api/jobs?status=dead&type=deliver-portal');
        return jobs.body.items.length >= 2 ? jobs.body.items : undefined;
      },
      60_000,
      250,
    );
    const page = await signIn('op-console');
    const reportRequests: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/reports')) reportRequests.push(request.url());
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    const deadTable = page.getByTestId('dead-letters');
    await deadTable.waitFor();
    // One batched request for the recent reports and their delivery states, none per report.
    expect(reportRequests.filter((url) => /\/api\/reports\/[0-9a-f]{24}/.test(url))).toEqual([]);
    expect(reportRequests.some((url) => url.includes('include=deliveries'))).toBe(true);
    // Channels the site did not configure say so.
    expect(await page.locator('[data-testid="delivery-summary"] tr[data-channel="hl7"]').textContent()).toContain('Not configured');
    expect(await page.locator('[data-testid="channel-states"] tr[data-channel="hl7"]').textContent()).toContain('off (not configured)');
    expect(await deadTable.locator('tbody tr').count()).toBe(2);
    const portalCells = await page.locator('[data-testid="delivery-summary"] tr[data-channel="portal"] td').allTextContents();
    expect(Number(portalCells[2]) + Number(portalCells[3])).toBe(2); // failed + dead
    const current = JSON.parse(await fs.readFile(path.join((await modelsDirForTests()).dir, 'current.json'), 'utf8')) as {
      version: string;
    };
    expect(await page.getByTestId('active-model').textContent()).toContain(current.version);
    await screenshot(page, '6-operator-dead-letters');

    await portal.start(portalPort);
    const job = dead[0] as JobRow;
    await page
      .locator(`tr[data-job-id="${job.id}"]`)
      .getByRole('button', { name: /Replay/ })
      .click();
    await page.getByText(/queued again/).waitFor();
    const done = await waitFor(async () => {
      const replayed = await api<JobRow>(engine, 'GET', `/api/jobs/${job.id}`);
      return replayed.body.status === 'done' ? replayed.body : undefined;
    }, 30_000);
    expect(done.status).toBe('done');
    expect(portal.accepted).toHaveLength(1);
    await page.reload();
    await page.getByTestId('dead-letters').waitFor();
    expect(await page.getByTestId('dead-letters').locator('tbody tr').count()).toBe(1);
    await screenshot(page, '7-operator-after-replay');

    // The message browser: the webhook body that went out (no PDF bytes, no link secret), the failed attempt and the answer.
    const reportId = (await api<JobRow & { payload: { reportId: string } }>(engine, 'GET', `/api/jobs/${job.id}`)).body.payload.reportId;
    await page.getByText('Per report, with the messages sent').click();
    await page
      .locator(`[data-testid="per-report"] tr[data-report-id="${reportId}"]`)
      .getByRole('button', { name: /Messages/ })
      .click();
    const portalMessages = page.locator('[data-testid="message-browser"] article[data-channel="portal"]');
    await portalMessages.waitFor();
    const sentText = (await portalMessages.getByTestId('sent-message').textContent()) ?? '';
    expect(sentText).toContain('"event": "patient-document"');
    expect(sentText).toContain('characters of base64 left out');
    expect(sentText).toContain('(patient link, not shown)');
    expect(sentText).not.toContain('/portal/');
    const answers = await portalMessages.getByTestId('answer').allTextContents();
    expect(answers.at(-1)).toMatch(/^HTTP 20\d$/);
    expect(answers.length).toBeGreaterThanOrEqual(2);
    expect(await portalMessages.textContent()).toMatch(/dead/);
    await screenshot(page, '7a-operator-message-browser');

    // Replay the rest by selection: one request, then nothing is dead.
    const rest = page.getByTestId('dead-letters').locator('tbody tr');
    await rest.first().getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Replay selected (1)' }).click();
    await page.getByText('1 job queued again').waitFor();
    await waitFor(async () => (portal.accepted.length === 2 ? true : undefined), 30_000);
    await page.reload();
    await page.getByText('No dead-lettered jobs.').waitFor();
    await screenshot(page, '7b-operator-bulk-replayed');
  });
  it('finds the signed reports by view and filters, adds an addendum after the undo window, and signs the PDF with the display name', async () => {
    const page = doctorPage;
    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    const rows = page.locator('table.worklist[data-view="signed"] tbody tr');
    await page.keyboard.press('3');
    await waitFor(async () => ((await rows.count()) === 2 ? true : undefined), 10_000);
    expect(await page.locator('table.worklist').textContent()).toContain(DOCTOR_NAME);
    await page.getByLabel('Study date from').fill('2000-01-01');
    await page.getByLabel('Study date to').fill('2000-01-02');
    await page.getByTestId('worklist-empty').waitFor();
    // The clerk's record has study date 14 March 2026 and arrived today: the range is over the study date.
    const shownIds = async (): Promise<Array<string | null>> =>
      Promise.all((await rows.all()).map((row) => row.getAttribute('data-report-id')));
    await page.getByLabel('Study date from').fill('2026-03-14');
    await page.getByLabel('Study date to').fill('2026-03-14');
    await waitFor(async () => ((await shownIds()).includes(amendedReport.id) ? true : undefined), 10_000);
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('Study date from').fill(today);
    await page.getByLabel('Study date to').fill(today);
    await waitFor(async () => (!(await shownIds()).includes(amendedReport.id) ? true : undefined), 10_000);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitFor(async () => ((await rows.count()) === 2 ? true : undefined), 10_000);
    await page.keyboard.press('/');
    await page.keyboard.type('konsole');
    await waitFor(async () => ((await rows.count()) === 1 ? true : undefined), 10_000);
    expect(await rows.first().getAttribute('data-report-id')).toBe(amendedReport.id);
    // The doctor signed "hand" for this patient: a leg filter finds nothing, a hand filter finds it.
    await page.getByLabel('Body part').selectOption('leg');
    await page.getByTestId('worklist-empty').waitFor();
    await page.getByLabel('Body part').selectOption('hand');
    await waitFor(async () => ((await rows.count()) === 1 ? true : undefined), 10_000);
    await screenshot(page, '5c-doctor-signed-filtered');
    expect(page.url()).not.toContain('konsole');

    await rows.first().getByRole('link', { name: /Open/ }).click();
    await page.waitForURL(`**/reports/${amendedReport.id}`);
    expect(await page.getByTestId('patient-name').textContent()).toBe('KONSOLE, ANNA');
    expect(await page.getByRole('heading', { name: /AI draft, not verified/ }).textContent()).toMatch(/model \S+/);
    expect(await page.getByTestId('signed-by').textContent()).toContain(DOCTOR_NAME);
    await page.getByRole('button', { name: 'Addendum…' }).click();
    expect(await page.getByRole('button', { name: 'Sign addendum' }).isDisabled()).toBe(true);
    await page.getByLabel('Conclusion').press('End');
    await page.getByLabel('Conclusion').pressSequentially('Follow-up view in two weeks.');
    await page.getByRole('button', { name: 'Sign addendum' }).click();
    await page.getByTestId('undo-banner').waitFor();
    await screenshot(page, '5d-doctor-addendum-undo-window');
    await page.getByTestId('undo-banner').waitFor({ state: 'detached', timeout: 15_000 });
    await waitFor(
      async () =>
        (await page.getByTestId('conclusion').textContent())?.includes('Addendum: Follow-up view in two weeks.') ? true : undefined,
      10_000,
    );
    const withAddendum = await api(engine, 'GET', `/api/reports/${amendedReport.id}`, { token: doctorToken });
    expect(withAddendum.body.reviews).toHaveLength(2);
    expect(withAddendum.body.review.by).toMatchObject({ username: 'dr-console', displayName: DOCTOR_NAME });
    await screenshot(page, '5e-doctor-addendum-signed');

    const pdf = await fetch(`http://127.0.0.1:${engine.httpPort}/api/reports/${amendedReport.id}/pdf`, {
      headers: { authorization: `Bearer ${doctorToken}` },
    });
    expect(pdf.status).toBe(200);
    const file = path.join(workspace.dir, 'addendum.pdf');
    await fs.writeFile(file, Buffer.from(await pdf.arrayBuffer()));
    const { stdout } = await execFileAsync('pdftotext', ['-enc', 'UTF-8', file, '-']);
    expect(stdout.replace(/\s+/g, ' ')).toContain(`Signed by ${DOCTOR_NAME}`);
    expect(browserErrors).toEqual([]);
  });

  it('shows the patient on a phone their own signed report in plain words, in English or German, with the PDF, accessible', async () => {
    const base = `http://127.0.0.1:${engine.httpPort}`;
    const manifest = await fetch(`${base}/manifest.webmanifest`);
    expect(manifest.headers.get('content-type')).toContain('application/manifest+json');
    const icons = ((await manifest.json()) as { icons: Array<{ src: string; sizes: string }> }).icons;
    expect(icons.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of icons) expect((await fetch(`${base}${icon.src}`)).status).toBe(200);

    const page = await signIn('pat-console', PHONE);
    await page.getByRole('heading', { name: 'Your X-ray reports' }).waitFor();
    const reports = page.locator('ul.patient-reports article');
    await waitFor(async () => ((await reports.count()) === 1 ? true : undefined), 10_000);
    // Only the patient's own report (CONSOLE-P1), signed "no fracture" or "fracture" of the hand by the doctor.
    expect(await reports.first().getAttribute('data-report-id')).toBe(amendedReport.id);
    expect(await page.getByTestId('plain-summary').textContent()).toMatch(
      /^(No broken bone|A broken bone) \(fracture\) was found on the X-ray of your hand\.$/,
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, '8-patient-phone');

    await page.getByRole('button', { name: /Open the PDF/ }).click();
    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: /Download the PDF/ }).click();
    const download = await downloading;
    const saved = path.join(workspace.dir, 'patient.pdf');
    await download.saveAs(saved);
    expect((await fs.readFile(saved)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { stdout: englishText } = await execFileAsync('pdftotext', ['-enc', 'UTF-8', saved, '-']);
    expect(englishText).toContain('your X-ray report');
    expect(englishText).toContain('Date of the X-ray');
    expect(englishText.replace(/\s+/g, ' ')).toContain('14 March 2026');

    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Ihre Röntgenbefunde' }).waitFor();
    expect(await page.getByTestId('plain-summary').textContent()).toMatch(/Röntgenbild \(Hand\)/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, '8a-patient-phone-german');
    // The PDF follows the page's language.
    await page.getByRole('button', { name: /PDF öffnen/ }).click();
    const germanDownload = page.waitForEvent('download');
    await page.getByRole('link', { name: /PDF herunterladen/ }).click();
    const germanFile = path.join(workspace.dir, 'patient-de.pdf');
    await (await germanDownload).saveAs(germanFile);
    const { stdout: germanText } = await execFileAsync('pdftotext', ['-enc', 'UTF-8', germanFile, '-']);
    expect(germanText.replace(/\s+/g, ' ')).toContain('Korrigierter Befund: Ihr Röntgenbefund');
    expect(germanText.replace(/\s+/g, ' ')).toContain('14. März 2026');
    expect(germanText.replace(/\s+/g, ' ')).toContain(`Unterschrieben von ${DOCTOR_NAME}`);
    expect(browserErrors).toEqual([]);
  });

  it("keeps the report and PDF a patient opened for reading offline, stores no one else's answers, and forgets them on sign-out", async () => {
    const worker = await fetch(`http://127.0.0.1:${engine.httpPort}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toContain('javascript');
    // Revalidated on every check, so a new console build reaches phones at their next visit.
    expect(worker.headers.get('cache-control')).toBe('no-cache');

    const page = await signIn('pat-console', PHONE);
    const context = page.context();
    const reports = page.locator('ul.patient-reports article');
    await waitFor(async () => ((await reports.count()) === 1 ? true : undefined), 10_000);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    const storedPaths = (): Promise<string[]> =>
      page.evaluate(async () => {
        if (!(await caches.has('osteon-patient-v1'))) return [];
        const cache = await caches.open('osteon-patient-v1');
        return (await cache.keys()).map((request) => new URL(request.url).pathname);
      });
    // The list loaded again once the worker took over, so it is kept; then the PDF the patient opens.
    await waitFor(async () => ((await storedPaths()).includes('/api/patient/reports') ? true : undefined), 10_000);
    await page.getByRole('button', { name: /Open the PDF/ }).click();
    await page.getByRole('link', { name: /Download the PDF/ }).waitFor();
    await waitFor(async () => ((await storedPaths()).some((stored) => stored.endsWith('/pdf')) ? true : undefined), 10_000);
    // Only the patient's own reads are stored: no other API answer.
    expect((await storedPaths()).every((stored) => stored.startsWith('/api/patient/reports'))).toBe(true);
    expect(browserErrors).toEqual([]);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: 'Your X-ray reports' }).waitFor();
    await waitFor(async () => ((await reports.count()) === 1 ? true : undefined), 10_000);
    expect(await reports.first().getAttribute('data-report-id')).toBe(amendedReport.id);
    expect(await page.getByTestId('plain-summary').textContent()).toMatch(/on the X-ray of your hand\.$/);
    await page.getByRole('button', { name: /Open the PDF/ }).click();
    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: /Download the PDF/ }).click();
    const saved = path.join(workspace.dir, 'patient-offline.pdf');
    await (await downloading).saveAs(saved);
    expect((await fs.readFile(saved)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await screenshot(page, '8b-patient-phone-offline');

    // The phone may be shared: signing out deletes what was kept.
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').waitFor();
    await waitFor(async () => ((await page.evaluate(() => caches.has('osteon-patient-v1'))) ? undefined : true), 10_000);
    await context.setOffline(true);
    await page.reload();
    await page.getByLabel('User name').waitFor();
    expect(await page.locator('ul.patient-reports').count()).toBe(0);
    await screenshot(page, '8c-patient-offline-signed-out');
    await context.setOffline(false);
  });
});
