import { Injectable } from '@nestjs/common';
import type { JobRecord, JobType } from './job';
import { JOB_TYPES } from './job';

export type JobHandler = (job: JobRecord) => Promise<void>;

/** Feature modules register their handlers at init; the worker refuses to start with a gap. */
@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<JobType, JobHandler>();

  register(type: JobType, handler: JobHandler): void {
    if (this.handlers.has(type)) throw new Error(`a handler for job type ${type} is already registered`);
    this.handlers.set(type, handler);
  }

  get(type: JobType): JobHandler | undefined {
    return this.handlers.get(type);
  }

  assertComplete(): void {
    const missing = JOB_TYPES.filter((type) => !this.handlers.has(type));
    if (missing.length > 0) throw new Error(`no handler registered for job types: ${missing.join(', ')}`);
  }
}
