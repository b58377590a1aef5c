import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { JobPayload, JobRecord, JobStatus, JobType } from './job';
import { JobErrorCode, JobException } from './job.exception';
import { JobRepository } from './job.repository';

@Injectable()
export class JobQueueService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobRepository,
  ) {}

  /** Schedules `key` to run after `delayMs`; a pending job for the key is pushed back instead. */
  async schedule(type: JobType, key: string, payload: JobPayload, delayMs: number, correlationId?: string): Promise<JobRecord> {
    return this.jobs.upsertPending({
      type,
      key,
      payload,
      runAt: new Date(Date.now() + delayMs),
      maxAttempts: this.config.jobs.maxAttempts,
      correlationId,
    });
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
}
