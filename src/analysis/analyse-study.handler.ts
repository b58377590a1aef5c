import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { InstanceRecord } from '../dicom/instance-record';
import { ImageMemoryBudget, pixelsOf } from '../imaging/image-memory-budget';
import { InstanceRepository } from '../dicom/instance.repository';
import type { JobRecord } from '../jobs/job';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobTargetGoneError } from '../jobs/job.exception';
import { ORDER_CONTEXT, type OrderContextSource } from '../orders/order-context';
import type { AnalysedImage, UnanalysedImage } from '../reports/findings';
import { HeatmapRepository } from '../reports/heatmap.repository';
import { ReportService } from '../reports/report.service';
import { AnalysisErrorCode, AnalysisException } from './analysis.exception';
import { AnalysisMetrics } from './analysis-metrics';
import { IMAGE_ANALYSER, type ImageAnalyser } from './image-analyser';

/** The newest version of each SOP instance: a corrected re-send replaces the earlier one. */
export function latestVersions(records: readonly InstanceRecord[]): InstanceRecord[] {
  const latest = new Map<string, InstanceRecord>();
  for (const record of records) {
    const seen = latest.get(record.sopInstanceUid);
    if (!seen || record.version > seen.version) latest.set(record.sopInstanceUid, record);
  }
  return [...latest.values()];
}

/** analyse-study: reads every image of the study with the model and writes the one report, always. */
@Injectable()
export class AnalyseStudyHandler implements OnModuleInit {
  private readonly logger = moduleLogger('analysis');

  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly instances: InstanceRepository,
    private readonly reports: ReportService,
    private readonly heatmaps: HeatmapRepository,
    @Inject(IMAGE_ANALYSER) private readonly analyser: ImageAnalyser,
    @Inject(ORDER_CONTEXT) private readonly orders: OrderContextSource,
    private readonly budget: ImageMemoryBudget,
    @Optional() private readonly metrics?: AnalysisMetrics,
  ) {}

  onModuleInit(): void {
    this.registry.register('analyse-study', (job) => this.handle(job));
  }

  /**
   * Every stored study gets its report: an image the model cannot read (bad pixels), one the
   * quality gate finds nothing to score in, and (on the last attempt) one the model could not run
   * for, go into `notAnalysed` with the reason, so the study is on the worklist for a doctor.
   */
  async handle(job: JobRecord): Promise<void> {
    const studyInstanceUid = String(job.payload.studyInstanceUid ?? '');
    const records = latestVersions(await this.instances.findByStudy(studyInstanceUid));
    if (records.length === 0) throw new JobTargetGoneError(`study ${studyInstanceUid} has no instances`);
    const lastReceivedAt = Math.max(...records.map((record) => record.receivedAt.getTime()));
    if (job.attempts === 1) this.metrics?.assemblyWait.observe(Math.max(0, Date.now() - lastReceivedAt) / 1000);
    // The order enriches the report: body part when the images carry none, and urgency.
    const order = await this.orders.contextOf(records[0] as InstanceRecord);
    const lastAttempt = job.attempts >= job.maxAttempts;
    const images: AnalysedImage[] = [];
    const notAnalysed: UnanalysedImage[] = [];
    for (const record of records) {
      const withOrder =
        !record.bodyPartExamined && order?.bodyPart ? { ...record, bodyPartExamined: order.bodyPart.toUpperCase() } : record;
      const outcome = await this.budget.run(pixelsOf(record), () => this.analyseOne(withOrder, lastAttempt));
      if ('cause' in outcome) {
        this.logger.warn(
          { studyInstanceUid, sopInstanceUid: record.sopInstanceUid, cause: outcome.cause, reason: outcome.reason },
          'image not analysed by AI: the doctor reads it without',
        );
        notAnalysed.push({ ...identityOf(record), ...outcome });
        continue;
      }
      const heatmapId = outcome.heatmapPng
        ? await this.heatmaps.save(outcome.heatmapPng, record.sha256, outcome.findings.modelVersion)
        : undefined;
      images.push({ ...identityOf(record), findings: outcome.findings, heatmapId });
    }
    const first = records[0] as InstanceRecord;
    const receivedTimes = records.map((record) => record.receivedAt.getTime());
    await this.reports.applyAnalysis({
      studyInstanceUid,
      accessionNumber: first.accessionNumber,
      studyDate: first.studyDay,
      patient: { patientId: first.patientId, name: first.patientName, birthDate: first.patientBirthDate, sex: first.patientSex },
      images,
      notAnalysed,
      minimumUrgency: order?.minimumUrgency,
      firstReceivedAt: new Date(Math.min(...receivedTimes)),
      lastReceivedAt: new Date(lastReceivedAt),
    });
    this.metrics?.reportCreated.observe(Math.max(0, Date.now() - lastReceivedAt) / 1000);
  }

  /** The model's findings, or why the image has none. A transient failure is retried, until the last attempt. */
  private async analyseOne(
    record: InstanceRecord,
    lastAttempt: boolean,
  ): Promise<Awaited<ReturnType<ImageAnalyser['analyse']>> | Pick<UnanalysedImage, 'cause' | 'reason'>> {
    const started = performance.now();
    const observe = (outcome: string): void => this.metrics?.inferencePerImage.observe({ outcome }, (performance.now() - started) / 1000);
    try {
      const analysed = await this.analyser.analyse(record);
      observe('analysed');
      return analysed;
    } catch (error) {
      if (error instanceof AnalysisException) {
        observe(error.code === AnalysisErrorCode.ImageUnreadable ? 'unreadable' : 'not-applicable');
        switch (error.code) {
          case AnalysisErrorCode.ImageUnreadable:
            return { cause: 'unreadable', reason: `not analysed by AI: ${error.message}` };
          case AnalysisErrorCode.NotApplicable:
            return { cause: 'not-applicable', reason: `AI not applicable: ${error.message}` };
        }
      }
      observe('failed');
      if (!lastAttempt) throw error;
      return { cause: 'unavailable', reason: `not analysed by AI: the model could not run (${(error as Error).message})` };
    }
  }
}

function identityOf(record: InstanceRecord): Pick<AnalysedImage, 'sopInstanceUid' | 'instanceId' | 'sha256' | 'blobKey'> {
  return { sopInstanceUid: record.sopInstanceUid, instanceId: record.id, sha256: record.sha256, blobKey: record.blobKey };
}
