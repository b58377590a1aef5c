import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { dcmsend } from '../support/dcmtk';
import { fixtureImageNames, makeInstance } from '../support/dicom-fixtures';
import { startEngine, type Engine } from '../support/engine';
import { api, TEST_PASSWORD, userToken } from '../support/http';
import { modelsDirForTests } from '../support/models-dir';
import { startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';
import { tempWorkspace } from '../support/workspace';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(process.env.OSTEON_TEST_ARTIFACTS ?? path.join(os.tmpdir(), 'osteon-test-artifacts'), 'viewer');
const DOCTOR = 'dr-viewer';

/** Grey-level spread and mean of a screenshot: a blank or uniform canvas has next to no spread. */
async function pixelStats(png: Buffer): Promise<{ stdev: number; mean: number; grey: Buffer }> {
  const grey = await sharp(png).greyscale().raw().toBuffer();
  const stats = await sharp(png).greyscale().stats();
  return { stdev: stats.channels[0]?.stdev ?? 0, mean: stats.channels[0]?.mean ?? 0, grey };
}

/**
 * A doctor reads a study in the OHIF viewer Osteon serves (npm @ohif/app, built; no network but
 * Osteon's own origin): opened from the console's report screen, real pixels at full resolution
 * from WADO-RS, window/level by dragging, and the AI's TID 1500 marks as measurements.
 */
describe('the diagnostic viewer: OHIF on Osteon’s DICOMweb, opened from the report screen', () => {
  let database: TestDatabase;
  let engine: Engine;
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let browser: Browser;
  let page: Page;
  let viewer: FrameLocator;
  let reportId: string;
  let study: { studyInstanceUid: string; sopInstanceUid: string };
  const requests: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    database = await startTestDatabase();
    workspace = await tempWorkspace('viewer');
    const models = await modelsDirForTests();
    engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      mongoUri: database.uri,
      databaseName: `viewer_${Date.now()}`,
      // Every image counts as suspected: the SR carries a mark to draw.
      env: { OSTEON_MODELS_DIR: models.dir, OSTEON_STUDY_IDLE_MS: '400', OSTEON_FRACTURE_THRESHOLD: '0.000001' },
    });
    const doctor = await userToken(engine, DOCTOR, 'doctor');
    const [image] = await fixtureImageNames();
    study = await makeInstance(image as string, path.join(workspace.dir, 'a.dcm'), { patientId: 'VIEW-1', patientName: 'Viewer^Vera' }, {});
    expect((await dcmsend([path.join(workspace.dir, 'a.dcm')], engine.dicomPort)).statuses.get(study.sopInstanceUid)).toBe(0);
    reportId = await waitFor(async () => {
      const found = await api<{ items: { id: string }[] }>(engine, 'GET', `/api/reports?studyInstanceUid=${study.studyInstanceUid}`, {
        token: doctor,
      });
      return found.body.items[0]?.id;
    }, 90_000);
    // The archive channel has stored the SR once QIDO lists its series.
    await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${engine.httpPort}/dicomweb/studies/${study.studyInstanceUid}/series`, {
        headers: { authorization: `Bearer ${doctor}`, accept: 'application/dicom+json' },
      });
      const series = (await response.json()) as Record<string, { Value?: unknown[] }>[];
      return series.some((entry) => entry['00080060']?.Value?.[0] === 'SR') ? true : undefined;
    }, 90_000);
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Software WebGL: Cornerstone3D renders with it (no GPU here).
      args: ['--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1500, height: 1100 } });
    page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== `http://127.0.0.1:${engine.httpPort}` && !['blob:', 'data:'].includes(url.protocol))
        foreignRequests.push(request.url());
      requests.push(url.pathname);
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (process.env.OSTEON_TEST_ENGINE_LOG && engine) await fs.writeFile(process.env.OSTEON_TEST_ENGINE_LOG, engine.process.output());
    await engine?.stop();
    await database?.stop();
    await workspace?.cleanup();
  });

  const viewportShot = async (name: string): Promise<Buffer> => {
    const shot = await viewer.locator('[data-cy="viewport-pane"]').first().screenshot();
    await fs.writeFile(path.join(SCREENSHOTS, `${name}.png`), shot);
    return shot;
  };

  it('opens the study in the viewer beside the sign-off controls of the report screen', async () => {
    await page.goto(`http://127.0.0.1:${engine.httpPort}/`);
    await page.getByLabel('User name').fill(DOCTOR);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`http://127.0.0.1:${engine.httpPort}/reports/${reportId}`);
    await page.getByRole('button', { name: /Diagnostic viewer off/ }).click();
    viewer = page.frameLocator('iframe[data-testid="study-viewer"]');
    await viewer.locator('[data-cy="viewport-pane"] canvas').first().waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: /Agree and sign/ }).isVisible()).toBe(true);
    await viewer.getByText('Osteon AI report').waitFor({ timeout: 30_000 });
  });

  it('draws the radiograph itself at full resolution from WADO-RS frames, not a rendered preview', async () => {
    const shot = await waitFor(async () => {
      const candidate = await viewportShot('viewer-study');
      return (await pixelStats(candidate)).stdev > 25 ? candidate : undefined;
    }, 60_000);
    expect((await pixelStats(shot)).stdev).toBeGreaterThan(25);
    expect(requests.some((url) => url.includes(`/dicomweb/studies/${study.studyInstanceUid}`) && /\/frames\/1$/.test(url))).toBe(true);
    expect(requests.some((url) => /\/rendered$/.test(url) && url.includes(study.sopInstanceUid))).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-screen-with-viewer.png') });
  });

  it('changes window/level when the doctor drags over the image', async () => {
    const before = await pixelStats(await viewportShot('viewer-before-window-level'));
    const overlayBefore = await viewer.locator('[data-cy="viewport-overlay-bottom-left"]').first().innerText();
    const box = await viewer.locator('[data-cy="viewport-pane"]').first().boundingBox();
    if (!box) throw new Error('the viewport has no box');
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let step = 1; step <= 10; step += 1) await page.mouse.move(x + step * 15, y + step * 12);
    await page.mouse.up();
    const after = await waitFor(async () => {
      const stats = await pixelStats(await viewportShot('viewer-after-window-level'));
      return Math.abs(stats.mean - before.mean) > 3 ? stats : undefined;
    }, 10_000);
    expect(Math.abs(after.mean - before.mean)).toBeGreaterThan(3);
    expect(await viewer.locator('[data-cy="viewport-overlay-bottom-left"]').first().innerText()).not.toBe(overlayBefore);
  });

  it("draws the AI's mark from the TID 1500 SR and lists it in the measurement panel", async () => {
    await viewer.getByText('Osteon AI report').dblclick();
    await viewer.locator('[data-cy="trackedMeasurements-btn"]').click();
    await viewer.getByText('Fracture of bone').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'viewer-ai-measurement.png') });
    expect(
      requests.some((url) =>
        /\/dicomweb\/studies\/[\d.]+\/series\/[\d.]+\/instances\/[\d.]+\/metadata$|\/series\/[\d.]+\/metadata$/.test(url),
      ),
    ).toBe(true);
    // Everything the viewer loaded came from Osteon itself.
    expect(foreignRequests).toEqual([]);
  });

  it('sends a viewer opened without a console session back to the sign-in, and keeps the token out of its files', async () => {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(`http://127.0.0.1:${engine.httpPort}/viewer/viewer?StudyInstanceUIDs=${study.studyInstanceUid}`);
    await fresh.getByLabel('User name').waitFor({ timeout: 30_000 });
    expect(new URL(fresh.url()).pathname).toBe('/');
    await context.close();
    const index = await fetch(`http://127.0.0.1:${engine.httpPort}/viewer/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const config = await (await fetch(`http://127.0.0.1:${engine.httpPort}/viewer/app-config.js`)).text();
    expect(config).toContain('"qidoRoot": "/dicomweb"');
    expect(config).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
