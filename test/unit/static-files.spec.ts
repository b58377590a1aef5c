import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { findStaticFile } from '../../src/common/static-files';

describe('static files of a built web app', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-static-'));
    root = path.join(dir, 'app');
    await fs.mkdir(path.join(root, 'assets'), { recursive: true });
    await fs.writeFile(path.join(root, 'index.html'), '<html></html>');
    await fs.writeFile(path.join(root, 'assets', 'app.webmanifest'), '{}');
    await fs.writeFile(path.join(dir, 'secret.txt'), 'not served');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('serves a file under the root with its type and size', async () => {
    const file = await findStaticFile(root, 'index.html');
    expect(file).toMatchObject({ contentType: 'text/html; charset=utf-8', size: 13 });
    expect(await text(file!.open())).toBe('<html></html>');
    expect((await findStaticFile(root, 'assets/app.webmanifest'))?.contentType).toBe('application/manifest+json');
  });

  it('never leaves the root, and serves no folder or missing file', async () => {
    for (const escape of ['../secret.txt', 'assets/../../secret.txt', '/../secret.txt', `/${path.join(dir, 'secret.txt')}`]) {
      expect(await findStaticFile(root, escape)).toBeUndefined();
    }
    expect(await findStaticFile(root, 'assets')).toBeUndefined();
    expect(await findStaticFile(root, 'missing.js')).toBeUndefined();
  });
});
