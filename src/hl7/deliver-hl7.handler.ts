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
import { HL7_CHANNEL, Hl7DeliveryService } from './hl7-delivery.service';

const SWEEP_INTERVAL = 'hl7-delivery-sweep';
/** Every state goes to the RIS: the AI draft (P), sign-off (F), amendment (C), withdrawal (X). */
const DELIVERABLE_STATUSES: readonly ReportStatus[] = ['preliminary', 'final', 'amended', 'entered-in-error'];

export function hl7JobKey(reportId: string): string {
  return `deliver-hl7:${reportId}`;
}

/**
 * deliver-hl7: scheduled on every content change of a report and by a periodic sweep for
 * reports whose delivered version lags (an event lost in a crash). The handler is always
 * registered; nothing is scheduled while no RIS is configured.
 */
@Injectable()
export class DeliverHl7Handler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('hl7');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
    private readonly delivery: Hl7DeliveryService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register('deliver-hl7', (job) => this.handle(job));
    if (!this.delivery.enabled) return;
    this.events.onChanged((report) => {
      this.schedule(report.id).catch((error: Error) => this.logger.error({ reportId: report.id, err: error.message }, 'HL7 delivery not scheduled'));
    });
  }

  onApplicationBootstrap(): void {
    const ris = this.config.hl7.ris;
    if (!ris) return;
    const interval = setInterval(() => void this.sweep(), this.config.hl7.sweepMs);
    this.scheduler.addInterval(SWEEP_INTERVAL, interval);
    this.logger.info({ host: ris.host, port: ris.port, sweepMs: this.config.hl7.sweepMs }, 'HL7 delivery to the RIS enabled');
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', SWEEP_INTERVAL)) this.scheduler.deleteInterval(SWEEP_INTERVAL);
  }

  async handle(job: JobRecord): Promise<void> {
    await this.delivery.deliver({ reportId: String(job.payload.reportId ?? ''), attempt: job.attempts, maxAttempts: job.maxAttempts });
  }

  /** Schedules what the RIS has not received yet; a report with an open job is left to it. */
  async sweep(): Promise<number> {
    let scheduled = 0;
    try {
      for (const report of await this.reports.deliveryBacklog(HL7_CHANNEL, DELIVERABLE_STATUSES)) {
        if (await this.queue.hasOpenJob(hl7JobKey(report.id))) continue;
        await this.schedule(report.id);
        scheduled += 1;
      }
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'HL7 delivery sweep failed');
    }
    return scheduled;
  }

  private async schedule(reportId: string): Promise<void> {
    await this.queue.schedule('deliver-hl7', hl7JobKey(reportId), { reportId }, 0);
  }
}
