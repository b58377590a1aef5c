import fs from 'node:fs/promises';
import path from 'node:path';
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
const PORTAL_SECRET = 'console-suite-portal-secret-0123456789';

interface WorklistItem {
  id: string;
  patientId: string;
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
        OSTEON_PORTAL_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      },
    });
    adminToken = await userToken(engine, 'clerk-console', 'admin-worker');
    doctorToken = await userToken(engine, 'dr-console', 'doctor');
    await userToken(engine, 'op-console', 'operator');
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
  const signIn = async (username: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: TABLET });
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
    await page.getByLabel('Name (Family^Given)').fill('KONSOLE^ANNA');
    await page.getByLabel('Birth date').fill('1975-06-30');
    await page.getByLabel('Sex').selectOption('F');
    await page.getByLabel('Body part').selectOption('HAND');
    await page.setInputFiles('#images', [path.join(FIXTURE_IMAGES, images[4] as string), path.join(FIXTURE_IMAGES, images[5] as string)]);
    await page.getByRole('button', { name: 'Create record with 2 images' }).click();
    const uploaded = page.getByTestId('uploaded-record');
    await uploaded.waitFor();
    expect(await uploaded.textContent()).toContain('CONSOLE-P1: 2 images stored');
    expect(page.url()).not.toContain('CONSOLE-P1');
    await screenshot(page, '1-admin-upload');
    const item = await reportOf('CONSOLE-P1', 2);
    expect(item.status).toBe('preliminary');
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
    await screenshot(page, '2-doctor-worklist');

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
    await page.keyboard.press('a');
    await page.waitForFunction(() => location.pathname.endsWith('/worklist') || document.querySelector('[role="alert"]') !== null);
    // A failed sign shows the console's error: name it rather than time out.
    expect(await page.locator('[role="alert"]').allTextContents()).toEqual([]);
    await page.waitForURL('**/worklist');
    await page.getByText('No preliminary reports waiting').waitFor();
    const signed = await api<{ items: WorklistItem[] }>(engine, 'GET', '/api/reports?patientId=CONSOLE-P2', { token: doctorToken });
    expect(signed.body.items[0]?.status).toBe('final');
  });

  it('draws the AI–doctor agreement chart with the disagreement the doctor just signed', async () => {
    const page = doctorPage;
    await page.getByRole('link', { name: 'Analytics' }).click();
    const bars = page.locator('[data-testid="chart-agreement"] g.bar');
    await waitFor(async () => ((await bars.count()) > 0 ? true : undefined), 20_000);
    const descriptions = await bars.locator('title').allTextContents();
    const totals = descriptions
      .map((text) => /(\d+) of (\d+) reviewed/.exec(text))
      .map((match) => ({ agreed: Number(match?.[1]), reviewed: Number(match?.[2]) }));
    expect(totals.reduce((sum, row) => sum + row.reviewed, 0)).toBe(2);
    expect(totals.reduce((sum, row) => sum + row.agreed, 0)).toBe(1);
    expect(await page.locator('[data-testid="chart-volume"] g.bar').count()).toBeGreaterThan(0);
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
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    const deadTable = page.getByTestId('dead-letters');
    await deadTable.waitFor();
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
    expect(browserErrors).toEqual([]);
  });
});
