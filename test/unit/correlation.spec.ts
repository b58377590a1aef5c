import { SchedulerRegistry } from '@nestjs/schedule';
import { correlationTracking, currentCorrelationId, withCorrelationId } from '../../src/common/correlation';
import { loadAppConfig } from '../../src/config/app-config';
import type { JobRecord } from '../../src/jobs/job';
import { JobClaimGate } from '../../src/jobs/job-claim.gate';
import { JobHandlerRegistry } from '../../src/jobs/job-handler.registry';
import { JobQueueService } from '../../src/jobs/job-queue.service';
import { JobWorkerService } from '../../src/jobs/job-worker.service';
import type { JobRepository } from '../../src/jobs/job.repository';

/** A queue in memory: what upsertPending stores is what claim hands out. */
function fakeRepository(): { repository: JobRepository; stored: JobRecord[] } {
  const stored: JobRecord[] = [];
  const claimed = new Set<string>();
  const repository = {
    upsertPending: async (input: Omit<JobRecord, 'id' | 'status' | 'attempts'>) => {
      const job = { ...input, id: String(stored.length + 1), status: 'pending', attempts: 1 } as unknown as JobRecord;
      stored.push(job);
      return job;
    },
    // Hands out each analyse-study job once; what handlers schedule stays in `stored` to be looked at.
    claim: async () => {
      const job = stored.find((candidate) => candidate.type === 'analyse-study' && !claimed.has(candidate.id));
      if (job) claimed.add(job.id);
      return job;
    },
    isAnotherRunning: async () => false,
    extendLease: async () => true,
    finish: async () => undefined,
    runningOwners: async () => [],
    releaseLeases: async () => 0,
  } as unknown as JobRepository;
  return { repository, stored };
}

describe('one correlation id per study path', () => {
  const config = loadAppConfig({ OSTEON_JOB_POLL_MS: '10000' });

  it('gives a job the id its caller runs under, unless told another', async () => {
    const { repository, stored } = fakeRepository();
    const queue = new JobQueueService(config, repository);
    await withCorrelationId('association-1234', () => queue.schedule('analyse-study', 'a', {}, 0));
    await withCorrelationId('association-1234', () => queue.schedule('deliver-hl7', 'b', {}, 0, 'explicit-5678'));
    await queue.schedule('deliver-fhir', 'c', {}, 0);
    expect(stored.map((job) => job.correlationId)).toEqual(['association-1234', 'explicit-5678', undefined]);
  });

  it('runs a job under its id, so what the handler schedules (the deliveries after a report) carries it too', async () => {
    const { repository, stored } = fakeRepository();
    const queue = new JobQueueService(config, repository);
    const handlers = new JobHandlerRegistry();
    const seen: Array<string | undefined> = [];
    handlers.register('analyse-study', async () => {
      seen.push(currentCorrelationId());
      await queue.schedule('deliver-hl7', 'report-1', {}, 0);
    });
    const worker = new JobWorkerService(config, repository, handlers, new SchedulerRegistry(), new JobClaimGate());
    await withCorrelationId('association-1234', () => queue.schedule('analyse-study', 'study-1', {}, 0));
    await worker.poll();
    await worker.onApplicationShutdown(); // waits for the job in flight
    expect(seen).toEqual(['association-1234']);
    expect(stored.map((job) => [job.type, job.correlationId])).toEqual([
      ['analyse-study', 'association-1234'],
      ['deliver-hl7', 'association-1234'],
    ]);
  });

  it('tracks ids (and pays for the promise hook) only while some work runs under one', async () => {
    expect(correlationTracking()).toBe(false);
    let release: () => void = () => undefined;
    const held = withCorrelationId('job-aaaa-1111', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return currentCorrelationId();
    });
    const quick = withCorrelationId('request-bbbb-2222', () => currentCorrelationId());
    expect(quick).toBe('request-bbbb-2222');
    // The job still runs: its id stays current across its awaits.
    expect(correlationTracking()).toBe(true);
    release();
    await expect(held).resolves.toBe('job-aaaa-1111');
    expect(correlationTracking()).toBe(false);
    expect(currentCorrelationId()).toBeUndefined();
    // A failing job releases its hold too, and a later one is tracked again.
    await expect(withCorrelationId('job-cccc-3333', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(() =>
      withCorrelationId('job-dddd-4444', () => {
        throw new Error('sync boom');
      }),
    ).toThrow('sync boom');
    expect(correlationTracking()).toBe(false);
    await expect(
      withCorrelationId('job-eeee-5555', async () => {
        await Promise.resolve();
        return currentCorrelationId();
      }),
    ).resolves.toBe('job-eeee-5555');
  });
});
