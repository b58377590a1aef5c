import {
  Inject,
  Injectable,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import os from 'node:os';
import { withCorrelationId } from '../common/correlation';
import { moduleLogger } from '../common/logger';
import { isProcessRunning } from '../common/process-alive';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { CLAIMED_FIRST, JOB_TYPES, type JobRecord, type JobType } from './job';
import { JobClaimGate } from './job-claim.gate';
import { JobTargetGoneError, UnrecoverableJobError } from './job.exception';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobMetrics } from './job-metrics';
import { JobRepository } from './job.repository';
import { backoffDelay, failureOutcome } from './retry.policy';

const POLL_INTERVAL = 'job-worker-poll';

/**
 * Claims due jobs with a lease and runs their handlers. Several engine processes may share
 * one database: a claim is one atomic update, a job whose key is already running elsewhere is
 * put back, and only the lease owner may finish a job.
 */
@Injectable()
export class JobWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = moduleLogger('jobs');
  private readonly inFlight = new Set<Promise<void>>();
  /** The type of each job in flight, for the claim gate's limits. */
  private readonly runningTypes: JobType[] = [];
  private polling = false;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobRepository,
    private readonly handlers: JobHandlerRegistry,
    private readonly scheduler: SchedulerRegistry,
    private readonly gate: JobClaimGate,
    @Optional() private readonly metrics?: JobMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handlers.assertComplete();
    await this.releaseOrphans();
    const interval = setInterval(() => void this.poll(), this.config.jobs.pollMs);
    this.scheduler.addInterval(POLL_INTERVAL, interval);
    this.logger.info({ workerId: this.config.jobs.workerId, concurrency: this.config.jobs.concurrency }, 'job worker started');
  }

  /**
   * Jobs this machine's workers were running when they died (kill -9, a power cut) go back to the
   * queue now instead of waiting out their lease: a worker named host-pid whose pid is gone, or one
   * with this process's own explicit OSTEON_WORKER_ID (its previous life).
   */
  private async releaseOrphans(): Promise<void> {
    const workerId = this.config.jobs.workerId;
    const host = `${os.hostname()}-`;
    const owners = (await this.jobs.runningOwners(workerId.startsWith(host) ? host : workerId)).filter((owner) => {
      if (owner === workerId) return true;
      const pid = Number(owner.slice(host.length));
      return owner.startsWith(host) && Number.isInteger(pid) && pid > 0 && !isProcessRunning(pid);
    });
    const released = await this.jobs.releaseLeases(owners);
    if (released > 0) this.logger.warn({ released, owners }, 'jobs interrupted by a crash put back in the queue');
  }

  /** No new claims once shutdown begins: the database closes in the phase after this one. */
  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', POLL_INTERVAL)) this.scheduler.deleteInterval(POLL_INTERVAL);
  }

  async onApplicationShutdown(): Promise<void> {
    this.beforeApplicationShutdown();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Fills free worker slots with due jobs; exposed for tests that want to drive it. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      while (this.inFlight.size < this.config.jobs.concurrency && !this.stopped) {
        const types = this.gate.claimable(JOB_TYPES, this.runningTypes);
        if (types.length === 0) break;
        const first = types.filter((type) => CLAIMED_FIRST.includes(type));
        const { workerId, leaseMs } = this.config.jobs;
        const job =
          (first.length > 0 ? await this.jobs.claim(workerId, leaseMs, first) : undefined) ??
          (await this.jobs.claim(workerId, leaseMs, types));
        if (!job) break;
        this.runningTypes.push(job.type);
        const run = this.run(job).finally(() => {
          this.inFlight.delete(run);
          this.runningTypes.splice(this.runningTypes.indexOf(job.type), 1);
        });
        this.inFlight.add(run);
      }
    } catch (error) {
      // A claim cut short by the shutdown is not a failure: the job stays pending for the next start.
      if (!this.stopped) this.logger.error({ err: (error as Error).message }, 'job poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async run(job: JobRecord): Promise<void> {
    const owner = this.config.jobs.workerId;
    const log = this.logger.child({ jobId: job.id, type: job.type, key: job.key, attempt: job.attempts, correlationId: job.correlationId });
    if (await this.jobs.isAnotherRunning(job)) {
      // Same key running elsewhere: give the claim back without spending an attempt.
      await this.jobs.finish(job.id, owner, { status: 'pending', runAt: new Date(Date.now() + 1000), attempts: job.attempts - 1 });
      return;
    }
    const handler = this.handlers.get(job.type);
    const heartbeat = setInterval(
      () => void this.jobs.extendLease(job.id, owner, this.config.jobs.leaseMs),
      Math.max(500, this.config.jobs.leaseMs / 3),
    );
    const started = Date.now();
    try {
      if (!handler) throw new UnrecoverableJobError(`no handler for ${job.type}`);
      // Everything the handler logs and schedules carries the job's correlation id.
      await (job.correlationId === undefined ? handler(job) : withCorrelationId(job.correlationId, () => handler(job)));
      await this.jobs.finish(job.id, owner, { status: 'done' });
      log.info({ ms: Date.now() - started }, 'job done');
    } catch (error) {
      await this.fail(job, error as Error, log);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async fail(job: JobRecord, error: Error, log: typeof this.logger): Promise<void> {
    const owner = this.config.jobs.workerId;
    if (error instanceof JobTargetGoneError) {
      await this.jobs.finish(job.id, owner, { status: 'done', lastError: error.message });
      log.info({ reason: error.message }, 'job target gone: skipped');
      return;
    }
    const outcome = failureOutcome(error, { attempt: job.attempts, maxAttempts: job.maxAttempts, expiresAt: job.expiresAt });
    if (outcome.kind === 'dead') {
      await this.jobs.finish(job.id, owner, { status: 'dead', lastError: error.message });
      this.metrics?.deadLettered(job.type);
      log.error({ err: error.message, reason: outcome.reason }, 'job dead-lettered');
      return;
    }
    const delay = backoffDelay(job.attempts, this.config.jobs.backoffMs, this.config.jobs.backoffMaxMs);
    await this.jobs.finish(job.id, owner, {
      status: 'pending',
      runAt: new Date(Date.now() + delay),
      lastError: error.message,
      failed: true,
    });
    log.warn({ err: error.message, retryInMs: delay }, 'job failed: will retry');
  }
}
