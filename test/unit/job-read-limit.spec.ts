import { SchedulerRegistry } from '@nestjs/schedule';
import { READS_IMAGES } from '../../src/analysis/receive-priority';
import { loadAppConfig } from '../../src/config/app-config';
import type { DatabaseService } from '../../src/database/database.service';
import type { JobType } from '../../src/jobs/job';
import { JobClaimGate } from '../../src/jobs/job-claim.gate';
import { JobHandlerRegistry } from '../../src/jobs/job-handler.registry';
import { JobWorkerService } from '../../src/jobs/job-worker.service';
import { JobRepository } from '../../src/jobs/job.repository';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { waitFor } from '../support/processes';

let database: TestDatabase;
let service: DatabaseService;

beforeAll(async () => {
  database = await startTestDatabase();
});

afterAll(async () => {
  await database?.stop();
});

/**
 * A queue in the test database (a fresh one per test), its jobs due one second apart in the order given,
 * claimed through the real repository as the engine claims them.
 */
async function queueOf(types: readonly JobType[]): Promise<{ repository: JobRepository; pendingTypes: () => Promise<JobType[]> }> {
  await service?.onApplicationShutdown();
  service = await openDatabaseService(database, `read_limit_${Date.now()}`);
  const repository = new JobRepository(service);
  const start = Date.now() - 60_000;
  for (const [index, type] of types.entries()) {
    await repository.upsertPending({
      type,
      key: `k${index}`,
      payload: { studyInstanceUid: `1.2.3.${index}` },
      runAt: new Date(start + index * 1000),
      maxAttempts: 3,
      correlationId: undefined,
    });
  }
  const pendingTypes = async (): Promise<JobType[]> =>
    (await repository.list({ status: 'pending' }, 0, 100)).items.map((job) => job.type).sort();
  return { repository, pendingTypes };
}

afterAll(async () => {
  await service?.onApplicationShutdown();
});

describe('job worker: with OSTEON_READ_CONCURRENCY=1, images read one job at a time', () => {
  const config = loadAppConfig({ OSTEON_JOB_POLL_MS: '10000', OSTEON_WORKER_CONCURRENCY: '3', OSTEON_READ_CONCURRENCY: '1' });

  it('fills the other slots with deliveries while a study is read, and reads the next study when the first is done', async () => {
    const { repository, pendingTypes } = await queueOf(['analyse-study', 'analyse-study', 'deliver-hl7', 'deliver-pacs']);
    const running: JobType[] = [];
    const finish = new Map<string, () => void>();
    const handlers = new JobHandlerRegistry();
    for (const type of ['analyse-study', 'deliver-hl7', 'deliver-pacs'] as const) {
      handlers.register(type, (job) => {
        running.push(job.type);
        return new Promise<void>((resolve) => finish.set(job.key, resolve));
      });
    }
    const gate = new JobClaimGate();
    gate.limitRunning(READS_IMAGES, config.jobs.readConcurrency);
    const worker = new JobWorkerService(config, repository, handlers, new SchedulerRegistry(), gate);
    try {
      await readOneAtATime();
    } finally {
      for (const resolve of finish.values()) resolve();
      await worker.onApplicationShutdown();
    }

    async function readOneAtATime(): Promise<void> {
      await worker.poll();
      await waitFor(async () => (running.length === 3 ? true : undefined), 5000);
      expect(running).toEqual(['analyse-study', 'deliver-hl7', 'deliver-pacs']);
      expect(await pendingTypes()).toEqual(['analyse-study']);

      // The first study's reading ends (its job is done in the database); the next poll reads the second.
      finish.get('k0')?.();
      await waitFor(async () => ((await repository.list({ status: 'done' }, 0, 10)).total === 1 ? true : undefined), 5000);
      await worker.poll();
      await waitFor(async () => (running.length === 4 ? true : undefined), 5000);
      expect(running).toEqual(['analyse-study', 'deliver-hl7', 'deliver-pacs', 'analyse-study']);
      expect(await pendingTypes()).toEqual([]);
    }
  });

  it("counts archiving a study's results as reading images, and caps nothing by default", async () => {
    const { repository, pendingTypes } = await queueOf(['analyse-study', 'archive-results', 'deliver-hl7']);
    const running: JobType[] = [];
    const handlers = new JobHandlerRegistry();
    const finish: Array<() => void> = [];
    for (const type of ['analyse-study', 'archive-results', 'deliver-hl7'] as const) {
      handlers.register(type, (job) => {
        running.push(job.type);
        return new Promise<void>((resolve) => finish.push(resolve));
      });
    }
    const gate = new JobClaimGate();
    gate.limitRunning(READS_IMAGES, config.jobs.readConcurrency);
    const worker = new JobWorkerService(config, repository, handlers, new SchedulerRegistry(), gate);
    try {
      await worker.poll();
      await waitFor(async () => (running.length === 2 ? true : undefined), 5000);
      expect(running).toEqual(['analyse-study', 'deliver-hl7']);
      expect(await pendingTypes()).toEqual(['archive-results']);
    } finally {
      for (const resolve of finish) resolve();
      await worker.onApplicationShutdown();
    }
    // Not capped unless asked: as many as the worker's slots.
    expect(loadAppConfig({}).jobs.readConcurrency).toBe(2);
    expect(loadAppConfig({ OSTEON_WORKER_CONCURRENCY: '4' }).jobs.readConcurrency).toBe(4);
  });
});
