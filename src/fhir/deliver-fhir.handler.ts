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
import { FHIR_CHANNEL, FhirDeliveryService } from './fhir-delivery.service';
import { FhirVerdictService } from './fhir-verdict.service';

const SWEEP_INTERVAL = 'fhir-delivery-sweep';
const POLL_INTERVAL = 'fhir-verdict-poll';
/** Every state goes to the server: the AI draft, each review, a withdrawal. */
const DELIVERABLE_STATUSES: readonly ReportStatus[] = ['preliminary', 'final', 'amended', 'entered-in-error'];

export function fhirJobKey(reportId: string): string {
  return `deliver-fhir:${reportId}`;
}

/**
 * deliver-fhir: scheduled on every content change and by a sweep over the backlog; the verdict
 * poll runs on its own interval. The handler is always registered; with no OSTEON_FHIR_URL
 * nothing is scheduled and nothing polls.
 */
@Injectable()
export class DeliverFhirHandler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('fhir');
  private polling = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
    private readonly delivery: FhirDeliveryService,
    private readonly verdicts: FhirVerdictService,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register('deliver-fhir', (job) => this.handle(job));
    if (!this.delivery.enabled) return;
    this.events.onChanged((report) => {
      this.schedule(report.id).catch((error: Error) => this.logger.error({ reportId: report.id, err: error.message }, 'FHIR delivery not scheduled'));
    });
  }

  onApplicationBootstrap(): void {
    const fhir = this.config.fhir;
    if (!fhir) return;
    this.scheduler.addInterval(SWEEP_INTERVAL, setInterval(() => void this.sweep(), fhir.sweepMs));
    this.scheduler.addInterval(POLL_INTERVAL, setInterval(() => void this.poll(), fhir.pollMs));
    this.logger.info({ sweepMs: fhir.sweepMs, pollMs: fhir.pollMs, auth: fhir.auth.kind }, 'FHIR delivery enabled');
  }

  onApplicationShutdown(): void {
    for (const name of [SWEEP_INTERVAL, POLL_INTERVAL]) if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
  }

  async handle(job: JobRecord): Promise<void> {
    await this.delivery.deliver({ reportId: String(job.payload.reportId ?? ''), attempt: job.attempts, maxAttempts: job.maxAttempts });
  }

  async sweep(): Promise<number> {
    let scheduled = 0;
    try {
      for (const report of await this.reports.deliveryBacklog(FHIR_CHANNEL, DELIVERABLE_STATUSES)) {
        if (await this.queue.hasOpenJob(fhirJobKey(report.id))) continue;
        await this.schedule(report.id);
        scheduled += 1;
      }
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'FHIR delivery sweep failed');
    }
    return scheduled;
  }

  /** One poll at a time; a failed poll (server down) is tried again on the next tick. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.verdicts.poll();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'FHIR verdict poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async schedule(reportId: string): Promise<void> {
    await this.queue.schedule('deliver-fhir', fhirJobKey(reportId), { reportId }, 0);
  }
}
