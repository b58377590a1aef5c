import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { JobRecord } from '../jobs/job';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobQueueService } from '../jobs/job-queue.service';
import type { ReportStatus } from '../reports/report';
import { ReportEvents } from '../reports/report-events';
import { ReportService } from '../reports/report.service';
import { PACS_CHANNEL, PacsDeliveryService } from './pacs-delivery.service';

const SWEEP_INTERVAL = 'pacs-delivery-sweep';
/** Every state is sent: the AI draft as soon as it exists, then each review and a withdrawal. */
const DELIVERABLE_STATUSES: readonly ReportStatus[] = ['preliminary', 'final', 'amended', 'entered-in-error'];

export function pacsJobKey(reportId: string): string {
  return `deliver-pacs:${reportId}`;
}

/**
 * deliver-pacs: scheduled on every content change of a report, and by a periodic sweep for
 * reports whose delivered version lags (an event lost in a crash). The handler is always
 * registered; nothing is scheduled while no PACS is configured.
 */
@Injectable()
export class DeliverPacsHandler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('pacs');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
    private readonly delivery: PacsDeliveryService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register('deliver-pacs', (job) => this.handle(job));
    if (!this.delivery.enabled) return;
    this.events.onChanged((report) => {
      this.schedule(report.id).catch((error: Error) => this.logger.error({ reportId: report.id, err: error.message }, 'PACS delivery not scheduled'));
    });
  }

  onApplicationBootstrap(): void {
    const pacs = this.config.pacs;
    if (!pacs) return;
    const interval = setInterval(() => void this.sweep(), pacs.sweepMs);
    this.scheduler.addInterval(SWEEP_INTERVAL, interval);
    this.logger.info({ calledAeTitle: pacs.calledAeTitle, host: pacs.host, port: pacs.port, sweepMs: pacs.sweepMs }, 'PACS delivery enabled');
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', SWEEP_INTERVAL)) this.scheduler.deleteInterval(SWEEP_INTERVAL);
  }

  async handle(job: JobRecord): Promise<void> {
    await this.delivery.deliver({ reportId: String(job.payload.reportId ?? ''), attempt: job.attempts, maxAttempts: job.maxAttempts });
  }

  /** Schedules what the PACS has not received yet; a report with an open job is left to it. */
  async sweep(): Promise<number> {
    let scheduled = 0;
    try {
      for (const report of await this.reports.deliveryBacklog(PACS_CHANNEL, DELIVERABLE_STATUSES)) {
        if (await this.queue.hasOpenJob(pacsJobKey(report.id))) continue;
        await this.schedule(report.id);
        scheduled += 1;
      }
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'PACS delivery sweep failed');
    }
    return scheduled;
  }

  private async schedule(reportId: string): Promise<void> {
    await this.queue.schedule('deliver-pacs', pacsJobKey(reportId), { reportId }, 0);
  }
}
