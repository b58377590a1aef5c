import { Inject, Injectable } from '@nestjs/common';
import { currentCorrelationId } from '../common/correlation';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { JobPayload, JobRecord, JobStatus, JobType } from './job';
import { JobErrorCode, JobException } from './job.exception';
import { JobRepository } from './job.repository';

/** Jobs bounded by a maximum age instead: effectively no attempt limit. */
const UNLIMITED_ATTEMPTS = 1_000_000;

@Injectable()
export class JobQueueService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobRepository,
  ) {}

  /**
   * Schedules `key` to run after `delayMs`; a pending job for the key is pushed back instead.
   * `maxAgeMs`: retried (without an attempt limit) until that long after it was first scheduled.
   * The job carries `correlationId`, by default the one the caller runs under (an association, a
   * request, the job that schedules it), and its handler runs under it.
   */
  async schedule(
    type: JobType,
    key: string,
    payload: JobPayload,
    delayMs: number,
    correlationId?: string,
    options: { maxAgeMs?: number } = {},
  ): Promise<JobRecord> {
    const now = Date.now();
    return this.jobs.upsertPending({
      type,
      key,
      payload,
      runAt: new Date(now + delayMs),
      maxAttempts: options.maxAgeMs ? UNLIMITED_ATTEMPTS : this.config.jobs.maxAttempts,
      expiresAt: options.maxAgeMs ? new Date(now + options.maxAgeMs) : undefined,
      correlationId: correlationId ?? currentCorrelationId(),
    });
  }

  /** Several jobs of one type at once, each as `schedule` would (one database write for all). */
  async scheduleMany(
    type: JobType,
    jobs: ReadonlyArray<{ key: string; payload: JobPayload; delayMs: number; correlationId?: string }>,
  ): Promise<void> {
    const now = Date.now();
    await this.jobs.upsertPendingMany(
      jobs.map((job) => ({
        type,
        key: job.key,
        payload: job.payload,
        runAt: new Date(now + job.delayMs),
        maxAttempts: this.config.jobs.maxAttempts,
        correlationId: job.correlationId ?? currentCorrelationId(),
      })),
    );
  }

  /** Wakes the jobs of `type` waiting out a back-off (their receiver answered again). */
  async wakeWaiting(type: JobType): Promise<number> {
    return this.jobs.wakeWaiting(type);
  }

  async clearFailing(id: string): Promise<void> {
    return this.jobs.clearFailing(id);
  }

  async hasOlderFailing(job: JobRecord): Promise<boolean> {
    return this.jobs.hasOlderFailing(job);
  }

  async failureSummary(type: JobType): Promise<{ waiting: number; failingSince: Date | undefined; dead: number }> {
    return this.jobs.failureSummary(type);
  }

  /** Jobs waiting or running, per type and status (a gauge). */
  async depth(): Promise<Array<{ type: JobType; status: 'pending' | 'running'; count: number }>> {
    return this.jobs.depth();
  }

  async hasOpenJob(key: string): Promise<boolean> {
    return this.jobs.hasOpenJob(key);
  }

  async list(
    filter: { status?: JobStatus; type?: JobType; key?: string },
    offset: number,
    limit: number,
  ): Promise<{ items: JobRecord[]; total: number }> {
    return this.jobs.list(filter, offset, limit);
  }

  async get(id: string): Promise<JobRecord> {
    const job = await this.jobs.findById(id);
    if (!job) throw new JobException(JobErrorCode.NotFound, `job ${id} not found`);
    return job;
  }

  /** A dead-lettered job goes back to pending with a fresh attempt budget. */
  async replay(id: string): Promise<JobRecord> {
    const job = await this.jobs.replay(id);
    if (!job) throw new JobException(JobErrorCode.NotReplayable, `job ${id} is not a dead-lettered job`);
    return job;
  }

  /** Dead letters queued again, one by one; those that are not dead letters are named with the reason. */
  async replayMany(ids: readonly string[]): Promise<{ replayed: JobRecord[]; refused: Array<{ id: string; reason: string }> }> {
    const replayed: JobRecord[] = [];
    const refused: Array<{ id: string; reason: string }> = [];
    for (const id of ids) {
      const job = await this.jobs.replay(id);
      if (job) replayed.push(job);
      else refused.push({ id, reason: 'not a dead-lettered job' });
    }
    return { replayed, refused };
  }
}
