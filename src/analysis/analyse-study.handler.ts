import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { InstanceRecord } from '../dicom/instance-record';
import { InstanceRepository } from '../dicom/instance.repository';
import type { JobRecord } from '../jobs/job';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobTargetGoneError } from '../jobs/job.exception';
import { ORDER_CONTEXT, type OrderContextSource } from '../orders/order-context';
import type { AnalysedImage } from '../reports/findings';
import { HeatmapRepository } from '../reports/heatmap.repository';
import { ReportService } from '../reports/report.service';
import { AnalysisErrorCode, AnalysisException } from './analysis.exception';
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

/** analyse-study: reads every image of the study with the model and writes the one report. */
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
  ) {}

  onModuleInit(): void {
    this.registry.register('analyse-study', (job) => this.handle(job));
  }

  async handle(job: JobRecord): Promise<void> {
    const studyInstanceUid = String(job.payload.studyInstanceUid ?? '');
    const records = latestVersions(await this.instances.findByStudy(studyInstanceUid));
    if (records.length === 0) throw new JobTargetGoneError(`study ${studyInstanceUid} has no instances`);
    // The order enriches the report: body part when the images carry none, and urgency.
    const order = await this.orders.contextOf(records[0] as InstanceRecord);
    const images: AnalysedImage[] = [];
    for (const record of records) {
      try {
        const withOrder =
          !record.bodyPartExamined && order?.bodyPart ? { ...record, bodyPartExamined: order.bodyPart.toUpperCase() } : record;
        const { findings, heatmapPng } = await this.analyser.analyse(withOrder);
        const heatmapId = heatmapPng ? await this.heatmaps.save(heatmapPng, record.sha256, findings.modelVersion) : undefined;
        images.push({
          sopInstanceUid: record.sopInstanceUid,
          instanceId: record.id,
          sha256: record.sha256,
          blobKey: record.blobKey,
          findings,
          heatmapId,
        });
      } catch (error) {
        if (!(error instanceof AnalysisException && error.code === AnalysisErrorCode.ImageUnreadable)) throw error;
        this.logger.warn(
          { studyInstanceUid, sopInstanceUid: record.sopInstanceUid, reason: error.message },
          'image skipped: model cannot read it',
        );
      }
    }
    if (images.length === 0)
      throw new AnalysisException(AnalysisErrorCode.NoReadableImage, `no image of study ${studyInstanceUid} could be read by the model`);
    const first = records[0] as InstanceRecord;
    const receivedTimes = records.map((record) => record.receivedAt.getTime());
    await this.reports.applyAnalysis({
      studyInstanceUid,
      accessionNumber: first.accessionNumber,
      patient: { patientId: first.patientId, name: first.patientName, birthDate: first.patientBirthDate, sex: first.patientSex },
      images,
      minimumUrgency: order?.minimumUrgency,
      firstReceivedAt: new Date(Math.min(...receivedTimes)),
      lastReceivedAt: new Date(Math.max(...receivedTimes)),
    });
  }
}
