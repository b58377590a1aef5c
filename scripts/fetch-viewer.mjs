#!/usr/bin/env node
// Puts the pre-built OHIF viewer (npm @ohif/app, MIT) in vendor/ohif-viewer, served by the engine
// at /viewer/. Runs as the root package's postinstall, so `npm ci` installs it; idempotent (a
// marker names the version and integrity installed), and nothing is fetched at run time.
//
// `npm install @ohif/app` fails (its dependency @ohif/i18n@3.13.2 is not on the registry), and the
// built viewer needs none of its dependencies: `npm pack` fetches the tarball through the npm
// client (registry, proxy and cache settings as configured), its SHA-512 is checked against the
// pinned integrity, and only dist/ is kept, without the two parts an X-ray viewer never loads
// (ort/: onnxruntime-web for the segmentation AI tools, 136 MB; dicom-microscopy-viewer/, 20 MB).
// The build serves from "/": its public path is rewritten to /viewer/ once, here.
//
// OSTEON_VIEWER_FETCH=skip leaves the viewer out (the engine then answers /viewer/ with 503).

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@ohif/app';
const VERSION = '3.13.2';
const INTEGRITY = 'sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==';
const BASE_PATH = '/viewer/';
const LEFT_OUT = ['ort', 'dicom-microscopy-viewer'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'vendor', 'ohif-viewer');
const markerFile = path.join(target, '.osteon-viewer.json');
const marker = { package: PACKAGE, version: VERSION, integrity: INTEGRITY, basePath: BASE_PATH, leftOut: LEFT_OUT };

function log(message) {
  process.stdout.write(`fetch-viewer: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`fetch-viewer: ${message}\n`);
  process.exit(1);
}

function installed() {
  try {
    return JSON.stringify(JSON.parse(fs.readFileSync(markerFile, 'utf8'))) === JSON.stringify(marker);
  } catch {
    return false;
  }
}

/** The npm that runs this script (npm ci sets npm_execpath), else the one on PATH. */
function npm(args, cwd) {
  const execPath = process.env.npm_execpath;
  const [command, prefix] = execPath && execPath.endsWith('.js') ? [process.execPath, [execPath]] : ['npm', []];
  const result = spawnSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) fail(`npm ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

/** `__webpack_require__.p = "/"`, the root-relative links of index.html and the fonts of the CSS point under BASE_PATH. */
function rebase(dist) {
  const index = path.join(dist, 'index.html');
  const html = fs
    .readFileSync(index, 'utf8')
    .replace(/(href|src)="\/(?!\/)/g, `$1="${BASE_PATH}`)
    .replace(/window\.PUBLIC_URL="\/"/g, `window.PUBLIC_URL="${BASE_PATH}"`);
  fs.writeFileSync(index, html);
  let bundles = 0;
  for (const name of fs.readdirSync(dist)) {
    if (name.endsWith('.css')) {
      const file = path.join(dist, name);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('url(/', `url(${BASE_PATH}`));
      continue;
    }
    if (!name.endsWith('.js')) continue;
    const file = path.join(dist, name);
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes('__webpack_require__.p = "/";')) continue;
    fs.writeFileSync(file, text.replaceAll('__webpack_require__.p = "/";', `__webpack_require__.p = "${BASE_PATH}";`));
    bundles += 1;
  }
  if (bundles === 0) fail('no bundle sets a public path: the OHIF build changed, check rebase()');
}

function main() {
  if (process.env.OSTEON_VIEWER_FETCH === 'skip') return log('OSTEON_VIEWER_FETCH=skip: the viewer is left out');
  if (installed()) return log(`${PACKAGE}@${VERSION} already in vendor/ohif-viewer`);
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'osteon-viewer-'));
  try {
    const packed = JSON.parse(npm(['pack', `${PACKAGE}@${VERSION}`, '--json', '--pack-destination', work, '--silent'], work));
    const tarball = path.join(work, packed[0].filename);
    const digest = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (digest !== INTEGRITY) fail(`${PACKAGE}@${VERSION} does not match its pinned integrity (got ${digest})`);
    const excludes = LEFT_OUT.flatMap((name) => ['--exclude', `package/dist/${name}`]);
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', work, ...excludes, 'package/dist', 'package/LICENSE'], { encoding: 'utf8' });
    if (untar.status !== 0) fail(`tar failed: ${untar.stderr}`);
    const dist = path.join(work, 'package', 'dist');
    rebase(dist);
    fs.copyFileSync(path.join(work, 'package', 'LICENSE'), path.join(dist, 'LICENSE.ohif'));
    fs.writeFileSync(path.join(dist, '.osteon-viewer.json'), `${JSON.stringify(marker)}\n`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(dist, target);
    log(`${PACKAGE}@${VERSION} installed in vendor/ohif-viewer (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
