import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { JobRecord, JobType } from '../jobs/job';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobQueueService } from '../jobs/job-queue.service';
import { JobTargetGoneError, UnrecoverableJobError } from '../jobs/job.exception';
import { MetricsRegistry } from '../metrics/metrics.registry';
import type { ReportStatus } from '../reports/report';
import { ReportEvents } from '../reports/report-events';
import { ReportService } from '../reports/report.service';
import type { DeliveryAttempt } from './delivery-channel';
import { channelStateOf, type ChannelState } from './channel-state';
import { DeliveryErrorCode, DeliveryException } from './delivery.exception';

/** How a channel takes part in scheduling: its job, what it sends, and whether it is on. */
export interface DeliveryRegistration {
  /** `deliveries.<channel>` in the report. */
  readonly channel: string;
  readonly jobType: JobType;
  /** Report statuses this channel sends. */
  readonly statuses: readonly ReportStatus[];
  /** False while the channel is not configured: nothing is scheduled then. */
  readonly enabled: boolean;
  readonly sweepMs: number;
  /**
   * The receiver takes messages in order (a RIS over MLLP): one delivery at a time, and none
   * overtakes an older one that is waiting out an outage.
   */
  readonly ordered?: boolean;
  deliver(attempt: DeliveryAttempt): Promise<void>;
}

export function deliveryJobKey(jobType: JobType, reportId: string): string {
  return `${jobType}:${reportId}`;
}

/**
 * What every delivery channel (FHIR, HL7, PACS, portal) shares: its job handler, a job on
 * every content change of a report it sends, and a periodic sweep for reports whose delivered
 * version lags (an event lost in a crash). A delivery is retried until the channel's maximum
 * age (an outage lasts as long as it lasts); a success wakes the channel's other waiting
 * deliveries, oldest first. How one attempt runs is delivery-runner.ts.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationShutdown {
  private readonly logger = moduleLogger('deliveries');
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly channels: DeliveryRegistration[] = [];
  /** Per ordered channel: the delivery in flight (the next one starts when it ends). */
  private readonly turns = new Map<string, Promise<void>>();
  private readonly attemptSeconds: Histogram<'channel' | 'outcome'> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
    @Optional() metrics?: MetricsRegistry,
  ) {
    this.attemptSeconds = metrics?.histogram(
      'osteon_delivery_seconds',
      'One delivery attempt per channel, by outcome: delivered (or nothing to send), failed (retried), refused (dead at once), gone.',
      ['channel', 'outcome'],
    );
  }

  /** Call from the channel module's onModuleInit. */
  register(channel: DeliveryRegistration): { sweep(): Promise<number> } {
    this.channels.push(channel);
    this.registry.register(channel.jobType, async (job) => {
      const started = performance.now();
      const observe = (outcome: string): void =>
        this.attemptSeconds?.observe({ channel: channel.channel, outcome }, (performance.now() - started) / 1000);
      try {
        await this.inTurn(channel, job);
      } catch (error) {
        observe(error instanceof UnrecoverableJobError ? 'refused' : error instanceof JobTargetGoneError ? 'gone' : 'failed');
        throw error;
      }
      observe('delivered');
      // The receiver answered: whatever waits out a back-off on this channel goes now.
      const woken = await this.queue.wakeWaiting(channel.jobType);
      if (woken > 0) this.logger.info({ channel: channel.channel, woken }, 'receiver is back: waiting deliveries go now');
    });
    const sweep = (): Promise<number> => this.sweep(channel);
    if (!channel.enabled) return { sweep };
    this.events.onChanged((report) => {
      if (!channel.statuses.includes(report.status)) return;
      this.schedule(channel, report.id).catch((error: Error) =>
        this.logger.error({ channel: channel.channel, reportId: report.id, err: error.message }, 'delivery not scheduled'),
      );
    });
    const timer = setInterval(() => void sweep(), channel.sweepMs);
    timer.unref();
    this.timers.push(timer);
    this.logger.info({ channel: channel.channel, sweepMs: channel.sweepMs, maxAgeMs: this.maxAgeMs(channel) }, 'delivery channel enabled');
    return { sweep };
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** Every registered channel: off, healthy, retrying since …, or down since …, with its counts. */
  async states(): Promise<ChannelState[]> {
    const states: ChannelState[] = [];
    for (const channel of this.channels) {
      const summary = channel.enabled ? await this.queue.failureSummary(channel.jobType) : undefined;
      states.push(channelStateOf(channel.channel, channel.enabled, summary, this.config.deliveries.downAfterMs));
    }
    return states;
  }

  /** Runs one delivery; an ordered channel runs them one at a time, oldest waiting first. */
  private inTurn(channel: DeliveryRegistration, job: JobRecord): Promise<void> {
    const run = async (): Promise<void> => {
      if (channel.ordered && (await this.queue.hasOlderFailing(job))) {
        throw new DeliveryException(
          DeliveryErrorCode.WaitingBehindOlder,
          'an older delivery to this receiver is still waiting: it goes first',
        );
      }
      await channel.deliver({
        reportId: String(job.payload.reportId ?? ''),
        attempt: job.attempts,
        maxAttempts: job.maxAttempts,
        expiresAt: job.expiresAt,
      });
      // Before the next one in turn looks for older deliveries still failing.
      if (channel.ordered && job.failingSince) await this.queue.clearFailing(job.id);
    };
    if (!channel.ordered) return run();
    const turn = (this.turns.get(channel.channel) ?? Promise.resolve()).then(run, run);
    this.turns.set(
      channel.channel,
      turn.catch(() => undefined),
    );
    return turn;
  }

  private maxAgeMs(channel: DeliveryRegistration): number {
    return this.config.deliveries.maxAgeMs[channel.channel] ?? this.config.deliveries.maxAgeMs.default;
  }

  /**
   * Schedules what the channel has not received yet; a report with an open job is left to it.
   * Only reports changed within the channel's maximum age: older ones were delivered or dead-lettered.
   */
  private async sweep(channel: DeliveryRegistration): Promise<number> {
    let scheduled = 0;
    try {
      const since = new Date(Date.now() - this.maxAgeMs(channel));
      for (const reportId of await this.reports.deliveryBacklog(channel.channel, channel.statuses, since)) {
        if (await this.queue.hasOpenJob(deliveryJobKey(channel.jobType, reportId))) continue;
        await this.schedule(channel, reportId);
        scheduled += 1;
      }
    } catch (error) {
      this.logger.error({ channel: channel.channel, err: (error as Error).message }, 'delivery sweep failed');
    }
    return scheduled;
  }

  private async schedule(channel: DeliveryRegistration, reportId: string): Promise<void> {
    await this.queue.schedule(channel.jobType, deliveryJobKey(channel.jobType, reportId), { reportId }, 0, undefined, {
      maxAgeMs: this.maxAgeMs(channel),
    });
  }
}
