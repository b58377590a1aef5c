import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { IngestActivity } from '../dicom/ingest-activity';
import { InstanceEvents } from '../dicom/instance-events';
import type { InstanceRecord } from '../dicom/instance-record';
import { InstanceRepository } from '../dicom/instance.repository';
import { JobQueueService } from '../jobs/job-queue.service';
import { ORDER_CONTEXT, type OrderContextSource } from '../orders/order-context';
import { ReportService } from '../reports/report.service';

const CATCH_UP_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** How often arrivals waiting to be scheduled are looked at (at most; a quarter of the idle time when shorter). */
const FLUSH_TICK_MS = 100;
/** Studies scheduled per database write. */
const SCHEDULE_WRITE_SIZE = 100;

type Arrival = Pick<InstanceRecord, 'studyInstanceUid' | 'accessionNumber' | 'receivedAt'>;

export function analyseStudyKey(studyInstanceUid: string): string {
  return `analyse-study:${studyInstanceUid}`;
}

/**
 * Decides when a study is complete enough to read: after a short idle time since its last
 * instance. A late image re-schedules the same key, so the same report is updated, never a
 * second one.
 *
 * Arrivals are scheduled in batches, not one database write (and order lookup) per image: that
 * work cost the receiver a third of its throughput. While images arrive (IngestActivity) the batch
 * waits, as the reading it schedules would (receive-priority.ts): the same predicate, so a burst
 * longer than the receive priority's longest deferral no longer holds either back. Each study is
 * due its idle time after its own last image, however late the batch is written. Arrivals not yet
 * scheduled when the process dies are found again at start-up (`onApplicationBootstrap`): the
 * instance records are durable.
 */
@Injectable()
export class StudyAssemblyService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = moduleLogger('study-assembly');
  /**
   * The latest arrival of each study not yet scheduled, with the id of the association or request it
   * came with. Only what scheduling needs: a burst holds every study's entry until it ends, and the
   * whole record (patient, UIDs, tags) would outlive the young generation and be promoted (issue 21).
   */
  private readonly arrivals = new Map<string, { arrival: Arrival; correlationId: string | undefined }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: InstanceEvents,
    private readonly queue: JobQueueService,
    private readonly instances: InstanceRepository,
    private readonly reports: ReportService,
    private readonly activity: IngestActivity,
    @Inject(ORDER_CONTEXT) private readonly orders: OrderContextSource,
  ) {}

  onModuleInit(): void {
    this.events.onStored((record, correlationId) => this.instanceStored(record, correlationId));
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

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  private instanceStored(record: InstanceRecord, correlationId: string | undefined): void {
    const { studyInstanceUid, accessionNumber, receivedAt } = record;
    this.arrivals.set(studyInstanceUid, { arrival: { studyInstanceUid, accessionNumber, receivedAt }, correlationId });
    this.timer ??= setTimeout(() => this.tick(), this.tickMs());
  }

  private tick(): void {
    this.timer = undefined;
    if (this.activity.receiving() || this.flushing) {
      this.timer = setTimeout(() => this.tick(), this.tickMs());
      return;
    }
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.arrivals.size > 0) this.timer ??= setTimeout(() => this.tick(), this.tickMs());
    });
  }

  private tickMs(): number {
    return Math.max(1, Math.min(FLUSH_TICK_MS, this.config.workflow.studyIdleMs / 4));
  }

  private async flush(): Promise<void> {
    const batch = [...this.arrivals.values()];
    this.arrivals.clear();
    if (batch.length === 0) return;
    const jobs: Array<{ key: string; payload: { studyInstanceUid: string }; delayMs: number; correlationId: string | undefined }> = [];
    for (const { arrival, correlationId } of batch) {
      try {
        jobs.push({
          key: analyseStudyKey(arrival.studyInstanceUid),
          payload: { studyInstanceUid: arrival.studyInstanceUid },
          delayMs: await this.delayFor(arrival),
          // Each study's analysis carries the id of the association (or request) its latest image came with.
          correlationId,
        });
      } catch (error) {
        // The instance is durable; start-up catch-up will schedule it if this failed.
        this.logger.error(
          { studyInstanceUid: arrival.studyInstanceUid, err: (error as Error).message },
          'could not schedule study analysis',
        );
      }
    }
    // One write per slice of the batch: a burst of studies costs a journal sync per hundred, not one
    // each, and no single write grows with the burst.
    for (let start = 0; start < jobs.length; start += SCHEDULE_WRITE_SIZE) {
      const slice = jobs.slice(start, start + SCHEDULE_WRITE_SIZE);
      try {
        await this.queue.scheduleMany('analyse-study', slice);
      } catch (error) {
        this.logger.error({ studies: slice.length, err: (error as Error).message }, 'could not schedule study analysis');
      }
    }
  }

  /** The study's idle time left after its last image; none when its order's expected images are all here. */
  private async delayFor(arrival: Arrival): Promise<number> {
    // An order that says how many images to expect spares the idle wait.
    const expected = await this.orders.expectedImageCount(arrival);
    const complete = expected !== undefined && (await this.instances.countSopInstancesInStudy(arrival.studyInstanceUid)) >= expected;
    return complete ? 0 : Math.max(0, arrival.receivedAt.getTime() + this.config.workflow.studyIdleMs - Date.now());
  }
}
