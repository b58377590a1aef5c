import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { InstanceEvents } from '../dicom/instance-events';
import type { InstanceRecord } from '../dicom/instance-record';
import { InstanceRepository } from '../dicom/instance.repository';
import { JobQueueService } from '../jobs/job-queue.service';
import { ORDER_CONTEXT, type OrderContextSource } from '../orders/order-context';
import { ReportService } from '../reports/report.service';

const CATCH_UP_WINDOW_MS = 7 * 24 * 3600 * 1000;

export function analyseStudyKey(studyInstanceUid: string): string {
  return `analyse-study:${studyInstanceUid}`;
}

/**
 * Decides when a study is complete enough to read: after a short idle time since its last
 * instance (each arrival pushes the pending job back). A late image re-schedules the same key,
 * so the same report is updated, never a second one.
 */
@Injectable()
export class StudyAssemblyService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = moduleLogger('study-assembly');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: InstanceEvents,
    private readonly queue: JobQueueService,
    private readonly instances: InstanceRepository,
    private readonly reports: ReportService,
    @Inject(ORDER_CONTEXT) private readonly orders: OrderContextSource,
  ) {}

  onModuleInit(): void {
    this.events.onStored((record) => this.instanceStored(record));
  }

  /** Arrivals whose event was lost in a crash are caught up from the durable instance records. */
  async onApplicationBootstrap(): Promise<void> {
    const studies = await this.instances.studiesReceivedSince(new Date(Date.now() - CATCH_UP_WINDOW_MS));
    let scheduled = 0;
    for (const study of studies) {
      const report = await this.reports.findByStudy(study.studyInstanceUid);
      if (report && report.lastReceivedAt >= study.lastReceivedAt) continue;
      if (await this.queue.hasOpenJob(analyseStudyKey(study.studyInstanceUid))) continue;
      await this.queue.schedule('analyse-study', analyseStudyKey(study.studyInstanceUid), { studyInstanceUid: study.studyInstanceUid }, 0);
      scheduled += 1;
    }
    if (scheduled > 0) this.logger.info({ scheduled }, 'studies without an up-to-date report scheduled for analysis');
  }

  private async instanceStored(record: InstanceRecord): Promise<void> {
    try {
      // An order that says how many images to expect spares the idle wait.
      const expected = await this.orders.expectedImageCount(record);
      const complete = expected !== undefined && (await this.instances.countSopInstancesInStudy(record.studyInstanceUid)) >= expected;
      await this.queue.schedule(
        'analyse-study',
        analyseStudyKey(record.studyInstanceUid),
        { studyInstanceUid: record.studyInstanceUid },
        complete ? 0 : this.config.workflow.studyIdleMs,
      );
    } catch (error) {
      // The instance is durable; start-up catch-up will schedule it if this failed.
      this.logger.error({ studyInstanceUid: record.studyInstanceUid, err: (error as Error).message }, 'could not schedule study analysis');
    }
  }
}
