import { SchedulerRegistry } from '@nestjs/schedule';
import { READS_IMAGES } from '../../src/analysis/receive-priority';
import { loadAppConfig } from '../../src/config/app-config';
import type { JobRecord, JobType } from '../../src/jobs/job';
import { JobClaimGate } from '../../src/jobs/job-claim.gate';
import { JobHandlerRegistry } from '../../src/jobs/job-handler.registry';
import { JobWorkerService } from '../../src/jobs/job-worker.service';
import type { JobRepository } from '../../src/jobs/job.repository';

/** A queue in memory whose claim hands out the oldest pending job of the types asked for. */
function queueOf(types: readonly JobType[]): { repository: JobRepository; pending: JobRecord[] } {
  const pending = types.map((type, index) => ({ id: String(index + 1), type, key: `k${index}`, attempts: 1 }) as unknown as JobRecord);
  const repository = {
    claim: async (_owner: string, _lease: number, allowed: readonly JobType[]) => {
      const index = pending.findIndex((job) => allowed.includes(job.type));
      return index < 0 ? undefined : pending.splice(index, 1)[0];
    },
    isAnotherRunning: async () => false,
    extendLease: async () => true,
    finish: async () => undefined,
  } as unknown as JobRepository;
  return { repository, pending };
}

describe('job worker: with OSTEON_READ_CONCURRENCY=1, images read one job at a time', () => {
  const config = loadAppConfig({ OSTEON_JOB_POLL_MS: '10000', OSTEON_WORKER_CONCURRENCY: '3', OSTEON_READ_CONCURRENCY: '1' });

  it('fills the other slots with deliveries while a study is read, and reads the next study when the first is done', async () => {
    const { repository, pending } = queueOf(['analyse-study', 'analyse-study', 'deliver-hl7', 'deliver-pacs']);
    const running: JobType[] = [];
    const finish = new Map<string, () => void>();
    const handlers = new JobHandlerRegistry();
    for (const type of ['analyse-study', 'deliver-hl7', 'deliver-pacs'] as const) {
      handlers.register(type, (job) => {
        running.push(job.type);
        return new Promise<void>((resolve) => finish.set(job.id, resolve));
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
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toEqual(['analyse-study', 'deliver-hl7', 'deliver-pacs']);
      expect(pending.map((job) => job.type)).toEqual(['analyse-study']);

      finish.get('1')?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await worker.poll();
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toEqual(['analyse-study', 'deliver-hl7', 'deliver-pacs', 'analyse-study']);
      expect(pending).toEqual([]);
    }
  });

  it("counts archiving a study's results as reading images, and caps nothing by default", async () => {
    const { repository, pending } = queueOf(['analyse-study', 'archive-results', 'deliver-hl7']);
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
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toEqual(['analyse-study', 'deliver-hl7']);
      expect(pending.map((job) => job.type)).toEqual(['archive-results']);
    } finally {
      for (const resolve of finish) resolve();
      await worker.onApplicationShutdown();
    }
    // Not capped unless asked: as many as the worker's slots.
    expect(loadAppConfig({}).jobs.readConcurrency).toBe(2);
    expect(loadAppConfig({ OSTEON_WORKER_CONCURRENCY: '4' }).jobs.readConcurrency).toBe(4);
  });
});
