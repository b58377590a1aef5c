import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { JobRecord } from '../jobs/job';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobQueueService } from '../jobs/job-queue.service';
import type { Report } from '../reports/report';
import { ReportEvents } from '../reports/report-events';
import { ReportService } from '../reports/report.service';
import { PORTAL_CHANNEL, PortalDeliveryService } from './portal-delivery.service';
import { DELIVERABLE_STATUSES } from './release.policy';

const SWEEP_INTERVAL = 'portal-delivery-sweep';

export function portalJobKey(reportId: string): string {
  return `deliver-portal:${reportId}`;
}

/**
 * deliver-portal: scheduled when a report's content changes to a signed or withdrawn state,
 * and by a periodic sweep for reports whose delivered version lags (an event lost in a crash).
 * The handler is always registered; nothing is scheduled while the portal is not configured.
 */
@Injectable()
export class DeliverPortalHandler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('portal');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
    private readonly delivery: PortalDeliveryService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register('deliver-portal', (job) => this.handle(job));
    if (!this.delivery.enabled) return;
    this.events.onChanged((report) => {
      if (!isDeliverable(report)) return;
      this.schedule(report.id).catch((error: Error) => this.logger.error({ reportId: report.id, err: error.message }, 'portal delivery not scheduled'));
    });
  }

  onApplicationBootstrap(): void {
    if (!this.delivery.enabled) return;
    const interval = setInterval(() => void this.sweep(), this.config.portal.sweepMs);
    this.scheduler.addInterval(SWEEP_INTERVAL, interval);
    this.logger.info({ sweepMs: this.config.portal.sweepMs }, 'portal delivery enabled');
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', SWEEP_INTERVAL)) this.scheduler.deleteInterval(SWEEP_INTERVAL);
  }

  async handle(job: JobRecord): Promise<void> {
    await this.delivery.deliver({ reportId: String(job.payload.reportId ?? ''), attempt: job.attempts, maxAttempts: job.maxAttempts });
  }

  /** Schedules what the portal has not received yet; a report with an open job is left to it. */
  async sweep(): Promise<number> {
    let scheduled = 0;
    try {
      for (const report of await this.reports.deliveryBacklog(PORTAL_CHANNEL, DELIVERABLE_STATUSES)) {
        if (await this.queue.hasOpenJob(portalJobKey(report.id))) continue;
        await this.schedule(report.id);
        scheduled += 1;
      }
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'portal delivery sweep failed');
    }
    return scheduled;
  }

  private async schedule(reportId: string): Promise<void> {
    await this.queue.schedule('deliver-portal', portalJobKey(reportId), { reportId }, 0);
  }
}

function isDeliverable(report: Report): boolean {
  return (DELIVERABLE_STATUSES as readonly string[]).includes(report.status);
}
