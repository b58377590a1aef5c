import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { JobType } from '../jobs/job';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobQueueService } from '../jobs/job-queue.service';
import type { ReportStatus } from '../reports/report';
import { ReportEvents } from '../reports/report-events';
import { ReportService } from '../reports/report.service';
import type { DeliveryAttempt } from './delivery-channel';

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
  deliver(attempt: DeliveryAttempt): Promise<void>;
}

export function deliveryJobKey(jobType: JobType, reportId: string): string {
  return `${jobType}:${reportId}`;
}

/**
 * What every delivery channel (FHIR, HL7, PACS, portal) shares: its job handler, a job on
 * every content change of a report it sends, and a periodic sweep for reports whose delivered
 * version lags (an event lost in a crash). How one attempt runs is delivery-runner.ts.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationShutdown {
  private readonly logger = moduleLogger('deliveries');
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
  ) {}

  /** Call from the channel module's onModuleInit. */
  register(channel: DeliveryRegistration): { sweep(): Promise<number> } {
    this.registry.register(channel.jobType, (job) =>
      channel.deliver({ reportId: String(job.payload.reportId ?? ''), attempt: job.attempts, maxAttempts: job.maxAttempts }),
    );
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
    this.logger.info({ channel: channel.channel, sweepMs: channel.sweepMs }, 'delivery channel enabled');
    return { sweep };
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** Schedules what the channel has not received yet; a report with an open job is left to it. */
  private async sweep(channel: DeliveryRegistration): Promise<number> {
    let scheduled = 0;
    try {
      for (const report of await this.reports.deliveryBacklog(channel.channel, channel.statuses)) {
        if (await this.queue.hasOpenJob(deliveryJobKey(channel.jobType, report.id))) continue;
        await this.schedule(channel, report.id);
        scheduled += 1;
      }
    } catch (error) {
      this.logger.error({ channel: channel.channel, err: (error as Error).message }, 'delivery sweep failed');
    }
    return scheduled;
  }

  private async schedule(channel: DeliveryRegistration, reportId: string): Promise<void> {
    await this.queue.schedule(channel.jobType, deliveryJobKey(channel.jobType, reportId), { reportId }, 0);
  }
}
