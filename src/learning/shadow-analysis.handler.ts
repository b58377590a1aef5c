import { Injectable, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobQueueService } from '../jobs/job-queue.service';
import type { Report } from '../reports/report';
import { ReportEvents } from '../reports/report-events';
import { ModelRegistryService } from './model-registry.service';
import { ShadowAnalysisService } from './shadow-analysis.service';

export function shadowAnalysisKey(reportId: string): string {
  return `shadow-analysis:${reportId}`;
}

/**
 * shadow-analysis jobs: one for every new or re-analysed report while a model is in shadow mode.
 * Durable like every job: a crash or a failing shadow model is retried, not lost.
 */
@Injectable()
export class ShadowAnalysisHandler implements OnModuleInit {
  private readonly logger = moduleLogger('shadow');

  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly events: ReportEvents,
    private readonly models: ModelRegistryService,
    private readonly shadow: ShadowAnalysisService,
  ) {}

  onModuleInit(): void {
    this.registry.register('shadow-analysis', async (job) => {
      await this.shadow.analyse(String(job.payload.reportId ?? ''));
    });
    this.events.onChanged((report, change) => {
      if (change !== 'created' && change !== 'reanalysed') return;
      this.schedule(report).catch((error: Error) =>
        this.logger.error({ reportId: report.id, err: error.message }, 'shadow analysis not scheduled'),
      );
    });
  }

  private async schedule(report: Report): Promise<void> {
    if (!(await this.models.shadow())) return;
    await this.queue.schedule('shadow-analysis', shadowAnalysisKey(report.id), { reportId: report.id }, 0);
  }
}
