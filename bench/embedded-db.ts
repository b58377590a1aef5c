/**
 * The embedded database at a year's scale. Builds ~150,000 instance records and ~50,000
 * reports (with a year's labels, jobs and audit entries) through the MongoDB driver into the
 * embedded database running in its own process, then measures:
 *   - the worklist, C-FIND by PatientID and report-by-study queries (p50/p95, the engine's own repositories);
 *   - start-up: snapshot load alone, and snapshot + a full journal (the compaction threshold);
 *   - small-file ingest (storescu, the built engine) on this database vs on an empty one;
 *   - write throughput with the journal fsynced vs not synced, 1 and 8 concurrent writers.
 *
 *   npm run bench:db                                         # builds, then the full year (~10 min on 2 cores)
 *   npm run bench:db -- --studies 5000 --ingest 100         # a quick run
 *
 * Options: --studies N (reports; instances = 3 per study), --audit N, --ingest N (small files
 * per ingest run), --json FILE, --keep.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient, ObjectId } from 'mongodb';
import { runEmbeddedDatabase } from '../src/database/embedded/embedded-database.runner';
import { InstanceRepository } from '../src/dicom/instance.repository';
import { JOB_TYPES } from '../src/jobs/job';
import { JobRepository } from '../src/jobs/job.repository';
import { ReportRepository } from '../src/reports/report.repository';
import { dcmtk } from '../test/support/dcmtk';
import { fixtureImageNames, makeInstance } from '../test/support/dicom-fixtures';
import { startEngine } from '../test/support/engine';
import { openDatabaseService } from '../test/support/mongo-peer';
import { freePort } from '../test/support/ports';
import { startProcess } from '../test/support/processes';
import { tempWorkspace } from '../test/support/workspace';
import { buildDataset, patientIdOf, type DatasetSize } from './embedded-db-dataset';

const PEER = path.join(__dirname, '..', 'test', 'peers', 'mongo-wire-server.mjs');

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function timed(runs: number, run: (index: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    await run(index);
    times.push(performance.now() - started);
  }
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

/** The database in its own process, as the tests run it; resolves with its URI once READY. */
async function startDatabase(dir: string): Promise<{ uri: string; startMs: number; rssMb(): Promise<number>; stop(): Promise<void> }> {
  const port = await freePort();
  const started = performance.now();
  const running = await startProcess(process.execPath, ['--max-old-space-size=16384', PEER, String(port), dir], {
    readyLine: /READY /,
    timeoutMs: 300_000,
  });
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    startMs: performance.now() - started,
    rssMb: async () => {
      const status = await fs.readFile(`/proc/${running.child.pid ?? 0}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 1024;
    },
    stop: () => running.stop('SIGTERM'),
  };
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir)) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}

async function measureQueries(uri: string, size: DatasetSize): Promise<Record<string, { p50: number; p95: number }>> {
  const service = await openDatabaseService({ uri, kind: "Osteon's embedded database", stop: async () => undefined }, 'osteon');
  const reports = new ReportRepository(service);
  const instances = new InstanceRepository(service);
  const jobs = new JobRepository(service);
  const patient = (index: number): string => patientIdOf((index * 104_729) % size.patients);
  const results = {
    'worklist (preliminary, first 50)': await timed(200, () => reports.worklist({ status: 'preliminary' }, 0, 50)),
    'worklist (signed, page 3 of 50)': await timed(50, () => reports.worklist({ status: 'final' }, 100, 50)),
    'worklist (one patient)': await timed(200, (index) => reports.worklist({ patientId: patient(index) }, 0, 50)),
    'C-FIND by PatientID': await timed(200, (index) => instances.findMatching({ patientId: patient(index) }, 1000)),
    'report by study': await timed(200, (index) => reports.findByStudy(`1.2.826.0.1.3680043.8.498.1.${(index * 7) % size.studies}.0`)),
    'job claim (nothing due)': await timed(200, () => jobs.claim('bench', 60_000, JOB_TYPES)),
  };
  await service.onApplicationShutdown();
  return results;
}

/** Rewrites report documents until about `bytes` of journal have been written since the last snapshot. */
async function fillJournal(uri: string, bytes: number, studies: number): Promise<void> {
  const client = await new MongoClient(uri, { writeConcern: { w: 'majority', journal: true } }).connect();
  const collection = client.db('osteon').collection('reports');
  await client.db('osteon').command({ compact: 'reports' });
  const sample = await collection.findOne({});
  const perUpdate = Buffer.byteLength(JSON.stringify(sample)) + 200;
  for (let written = 0, index = 0; written < bytes; written += perUpdate, index += 1) {
    await collection.updateOne(
      { studyInstanceUid: `1.2.826.0.1.3680043.8.498.1.${index % studies}.0` },
      { $set: { updatedAt: new Date() } },
    );
  }
  await client.close();
}

async function ingestRate(dataDir: string, files: readonly string[]): Promise<number> {
  const engine = await startEngine({ dataDir, readyTimeoutMs: 180_000, env: { OSTEON_STUDY_IDLE_MS: '600000' } });
  try {
    const started = performance.now();
    const result = await dcmtk('storescu', ['-aet', 'BENCH', '-aec', 'OSTEON', '127.0.0.1', String(engine.dicomPort), ...files]);
    const seconds = (performance.now() - started) / 1000;
    if (result.code !== 0) throw new Error(`storescu failed: ${result.output.slice(-500)}`);
    return files.length / seconds;
  } finally {
    await engine.stop();
  }
}

async function writeThroughput(dir: string, sync: boolean, writers: number, total: number): Promise<number> {
  const database = await runEmbeddedDatabase({ dir, journalSync: sync });
  const client = await new MongoClient(`mongodb://127.0.0.1:${database.port}/?directConnection=true`, {
    writeConcern: { w: 'majority', journal: true },
    maxPoolSize: writers + 2,
  }).connect();
  const collection = client.db('bench').collection('writes');
  const payload = 'x'.repeat(900);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let index = writer; index < total; index += writers) await collection.insertOne({ _id: new ObjectId(), index, payload });
    }),
  );
  const rate = total / ((performance.now() - started) / 1000);
  await client.close();
  await database.stop();
  return rate;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      studies: { type: 'string', default: '50000' },
      audit: { type: 'string' },
      ingest: { type: 'string', default: '300' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const studies = Number(values.studies);
  const size: DatasetSize = {
    studies,
    instancesPerStudy: 3,
    patients: Math.round(studies * 0.75),
    openReports: 60,
    auditEntries: Number(values.audit ?? studies * 4),
    jobsPerStudy: 2,
  };
  const workspace = await tempWorkspace('bench-db');
  const dbDir = path.join(workspace.dir, 'full', 'database');
  const results: Record<string, unknown> = { size };
  try {
    log(
      `building: ${size.studies} reports, ${size.studies * size.instancesPerStudy} instance records, ${size.auditEntries} audit entries, labels and jobs`,
    );
    let database = await startDatabase(dbDir);
    const started = performance.now();
    const client = await new MongoClient(database.uri, { writeConcern: { w: 'majority', journal: true } }).connect();
    await buildDataset(client.db('osteon'), size);
    await client.db('osteon').command({ compact: 'reports' });
    await client.close();
    results.buildSeconds = (performance.now() - started) / 1000;
    // Every document was written through the wire while this process ran (as in an engine that has not restarted).
    results.rssAfterBuildMb = await database.rssMb();
    log(
      `built in ${(results.buildSeconds as number).toFixed(1)} s; files ${((await directorySize(dbDir)) / 1e6).toFixed(0)} MB; database process RSS ${(results.rssAfterBuildMb as number).toFixed(0)} MB`,
    );

    // Queries as an engine runs them after a start: documents decoded as queries touch them.
    await database.stop();
    database = await startDatabase(dbDir);
    results.queries = await measureQueries(database.uri, size);
    results.rssAfterQueriesMb = await database.rssMb();
    log(`restarted, queries measured: database process RSS ${(results.rssAfterQueriesMb as number).toFixed(0)} MB`);
    for (const [name, { p50, p95 }] of Object.entries(results.queries as Record<string, { p50: number; p95: number }>))
      log(`  ${name.padEnd(34)} p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms`);

    await fillJournal(database.uri, 60 * 1024 * 1024, size.studies);
    await database.stop();
    database = await startDatabase(dbDir);
    results.startSnapshotAndJournalMs = database.startMs;
    await new MongoClient(database.uri).connect().then(async (c) => {
      await c.db('osteon').command({ compact: 'reports' });
      await c.close();
    });
    await database.stop();
    database = await startDatabase(dbDir);
    results.startSnapshotMs = database.startMs;
    await database.stop();
    log(
      `start-up: snapshot ${(results.startSnapshotMs as number).toFixed(0)} ms, snapshot + ~60 MB journal ${(results.startSnapshotAndJournalMs as number).toFixed(0)} ms`,
    );

    const [image] = await fixtureImageNames();
    const base = await makeInstance(image as string, path.join(workspace.dir, 'send', 'base.dcm'), { patientId: 'BENCH-INGEST' });
    const files = Array.from({ length: Number(values.ingest) }, (_, index) => path.join(workspace.dir, 'send', `${index}.dcm`));
    await Promise.all(files.map((file) => fs.copyFile(base.file, file)));
    for (let start = 0; start < files.length; start += 100) await dcmtk('dcmodify', ['-nb', '-gin', ...files.slice(start, start + 100)]);
    const rates: { empty: number[]; full: number[] } = { empty: [], full: [] };
    for (let round = 0; round < 2; round += 1) {
      const emptyDir = path.join(workspace.dir, `empty-${round}`);
      rates.empty.push(await ingestRate(emptyDir, files));
      rates.full.push(await ingestRate(path.join(workspace.dir, 'full'), files));
      await fs.rm(emptyDir, { recursive: true, force: true });
      for (const file of files) await dcmtk('dcmodify', ['-nb', '-gin', file]).catch(() => undefined);
    }
    const best = (list: number[]): number => Math.max(...list);
    results.ingest = {
      emptyInstancesPerSecond: rates.empty,
      fullInstancesPerSecond: rates.full,
      ratio: best(rates.full) / best(rates.empty),
    };
    const kilobytes = (await fs.stat(base.file)).size / 1e3;
    log(
      `small-file ingest (${files.length} × ${kilobytes.toFixed(0)} KB): empty ${rates.empty.map((r) => r.toFixed(0)).join('/')} inst/s, year-full ${rates.full.map((r) => r.toFixed(0)).join('/')} inst/s → ratio ${(best(rates.full) / best(rates.empty)).toFixed(2)}`,
    );

    const writes: Record<string, number> = {};
    for (const writers of [1, 8]) {
      for (const sync of [true, false]) {
        const label = `${writers} writer${writers > 1 ? 's' : ''}, ${sync ? 'journal fsynced' : 'not synced'}`;
        writes[label] = await writeThroughput(path.join(workspace.dir, `writes-${writers}-${sync}`), sync, writers, 2000);
        log(`  writes: ${label.padEnd(32)} ${writes[label]?.toFixed(0)} inserts/s`);
      }
    }
    results.writes = writes;
  } finally {
    if (values.json) await fs.writeFile(values.json, JSON.stringify(results, null, 2));
    if (!values.keep) await workspace.cleanup();
    else log(`kept ${workspace.dir}`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
