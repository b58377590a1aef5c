// A real engine job worker in its own process (the built dist/ code), with a test handler
// that records each run in `job_runs`. Usage: node job-worker-process.cjs <mongoUri> <db> <workerId> <leaseMs>
'use strict';
const path = require('node:path');
const dist = path.join(__dirname, '..', '..', 'dist', 'src');
const { SchedulerRegistry } = require('@nestjs/schedule');
const { DatabaseService } = require(path.join(dist, 'database', 'database.service.js'));
const { JobRepository } = require(path.join(dist, 'jobs', 'job.repository.js'));
const { JobHandlerRegistry } = require(path.join(dist, 'jobs', 'job-handler.registry.js'));
const { JobWorkerService } = require(path.join(dist, 'jobs', 'job-worker.service.js'));
const { JobClaimGate } = require(path.join(dist, 'jobs', 'job-claim.gate.js'));
const { UnrecoverableJobError } = require(path.join(dist, 'jobs', 'job.exception.js'));
const { JOB_TYPES } = require(path.join(dist, 'jobs', 'job.js'));

const [uri, dbName, workerId, leaseMs] = process.argv.slice(2);
const config = {
  database: { uri, name: dbName, embedded: 'emulator' },
  dataDir: '/tmp',
  jobs: { pollMs: 20, leaseMs: Number(leaseMs), maxAttempts: 2, backoffMs: 50, concurrency: 2, workerId },
};

async function main() {
  const database = new DatabaseService(config);
  await database.onModuleInit();
  const runs = database.db.collection('job_runs');
  const registry = new JobHandlerRegistry();
  registry.register('analyse-study', async (job) => {
    const previous = await runs.countDocuments({ jobId: job.id });
    const started = new Date();
    await runs.insertOne({ jobId: job.id, key: job.key, workerId, started, attempt: job.attempts });
    if (job.payload.poison) throw new UnrecoverableJobError('poisoned input');
    if (previous < Number(job.payload.failTimes ?? 0)) throw new Error(`transient failure ${previous + 1}`);
    await new Promise((resolve) => setTimeout(resolve, Number(job.payload.sleepMs ?? 50)));
    await runs.updateOne({ jobId: job.id, workerId, started }, { $set: { finished: new Date() } });
  });
  // Only analyse-study jobs are enqueued here; the other types just need a handler to boot.
  for (const type of JOB_TYPES.filter((name) => name !== 'analyse-study')) registry.register(type, async () => undefined);
  const worker = new JobWorkerService(config, new JobRepository(database), registry, new SchedulerRegistry(), new JobClaimGate());
  worker.onApplicationBootstrap();
  process.stdout.write(`READY ${workerId}\n`);
  process.on('SIGTERM', async () => {
    await worker.onApplicationShutdown();
    await database.onApplicationShutdown();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
