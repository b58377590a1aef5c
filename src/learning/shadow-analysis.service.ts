import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ObjectId, type Collection } from 'mongodb';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DatabaseService } from '../database/database.service';
import { InstanceRepository } from '../dicom/instance.repository';
import { ImageService } from '../imaging/image.service';
import { InferenceService } from '../inference/inference.service';
import { ModelRepository } from '../inference/model.repository';
import type { Report } from '../reports/report';
import { ReportEvents } from '../reports/report-events';
import { ModelRegistryService } from './model-registry.service';

export interface ShadowResult {
  readonly reportId: string;
  readonly studyInstanceUid: string;
  readonly modelVersion: string;
  readonly fracture: boolean;
  readonly probability: number;
  readonly analysedAt: Date;
}

/**
 * Shadow mode: the shadow model reads every new or re-analysed study beside the active one.
 * Its results go to `shadow_results` only, never into the report, so they cannot reach FHIR,
 * HL7, the PACS or the patient; analytics compares them with the doctors' verdicts.
 */
@Injectable()
export class ShadowAnalysisService implements OnModuleInit {
  private readonly logger = moduleLogger('shadow');
  private engine: { version: string; models: ModelRepository; inference: InferenceService } | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: ReportEvents,
    private readonly registry: ModelRegistryService,
    private readonly instances: InstanceRepository,
    private readonly images: ImageService,
    private readonly database: DatabaseService,
  ) {}

  private get results(): Collection<Omit<ShadowResult, 'reportId'> & { reportId: ObjectId }> {
    return this.database.db.collection('shadow_results');
  }

  onModuleInit(): void {
    this.events.onChanged((report, change) => {
      if (change === 'created' || change === 'reanalysed') void this.analyse(report);
    });
  }

  async analyse(report: Report): Promise<ShadowResult | undefined> {
    try {
      const shadow = await this.registry.shadow();
      if (!shadow) return undefined;
      const inference = await this.inferenceFor(shadow.version, shadow.dir);
      const records = await this.instances.findByStudy(report.studyInstanceUid);
      const analysed = report.images
        .map((image) => records.find((record) => record.id === image.instanceId))
        .filter((record) => record !== undefined);
      let best = { fracture: false, probability: 0 };
      for (const record of analysed) {
        const findings = await inference.analyseInstance(record);
        if (findings.fractureProbability >= best.probability)
          best = { fracture: best.fracture || findings.fracture, probability: findings.fractureProbability };
        else best = { ...best, fracture: best.fracture || findings.fracture };
      }
      const result: ShadowResult = {
        reportId: report.id,
        studyInstanceUid: report.studyInstanceUid,
        modelVersion: shadow.version,
        ...best,
        analysedAt: new Date(),
      };
      await this.results.updateOne(
        { reportId: new ObjectId(report.id), modelVersion: shadow.version },
        { $set: { ...result, reportId: new ObjectId(report.id) } },
        { upsert: true },
      );
      return result;
    } catch (error) {
      this.logger.warn({ reportId: report.id, err: (error as Error).message }, 'shadow analysis failed');
      return undefined;
    }
  }

  /** Agreement of the shadow model(s) with the doctors on reviewed reports, beside the active model's. */
  async agreement(): Promise<Array<{ modelVersion: string; role: 'shadow'; reviewed: number; agreed: number; rate: number }>> {
    const rows = await this.results
      .aggregate<{ _id: string; reviewed: number; agreed: number }>([
        { $lookup: { from: 'reports', localField: 'reportId', foreignField: '_id', as: 'report' } },
        { $unwind: '$report' },
        { $match: { 'report.status': { $in: ['final', 'amended'] } } },
        {
          $group: {
            _id: '$modelVersion',
            reviewed: { $sum: 1 },
            agreed: { $sum: { $cond: [{ $eq: ['$fracture', '$report.review.verdict.fracture'] }, 1, 0] } },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    return rows.map((row) => ({
      modelVersion: row._id,
      role: 'shadow',
      reviewed: row.reviewed,
      agreed: row.agreed,
      rate: row.reviewed ? row.agreed / row.reviewed : 0,
    }));
  }

  private async inferenceFor(version: string, dir: string): Promise<InferenceService> {
    if (this.engine?.version === version) return this.engine.inference;
    const models = new ModelRepository(this.config);
    await models.useModelsDir(dir);
    const previous = this.engine;
    this.engine = { version, models, inference: new InferenceService(models, this.images) };
    await previous?.models.close();
    return this.engine.inference;
  }
}
