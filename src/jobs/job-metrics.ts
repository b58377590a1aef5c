import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { JOB_TYPES, type JobType } from './job';
import { JobRepository } from './job.repository';

/** The queue as Prometheus sees it: depth per type and status (read at scrape time), dead letters as they happen. */
@Injectable()
export class JobMetrics {
  private readonly deadLetters: Counter<'type'>;

  constructor(metrics: MetricsRegistry, jobs: JobRepository) {
    this.deadLetters = metrics.counter('osteon_job_dead_letters_total', 'Jobs dead-lettered (given up on), per job type.', ['type']);
    for (const type of JOB_TYPES) this.deadLetters.inc({ type }, 0);
    metrics.gauge('osteon_job_queue_depth', 'Jobs waiting (pending) or running, per job type.', ['type', 'status'], async (gauge) => {
      gauge.reset();
      for (const type of JOB_TYPES) for (const status of ['pending', 'running']) gauge.set({ type, status }, 0);
      for (const entry of await jobs.depth()) gauge.set({ type: entry.type, status: entry.status }, entry.count);
    });
  }

  deadLettered(type: JobType): void {
    this.deadLetters.inc({ type });
  }
}
