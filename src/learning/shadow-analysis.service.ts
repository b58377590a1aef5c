import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { InstanceRepository } from '../dicom/instance.repository';
import { ImageService } from '../imaging/image.service';
import { InferenceService } from '../inference/inference.service';
import { ModelRepository } from '../inference/model.repository';
import { JobTargetGoneError } from '../jobs/job.exception';
import type { Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { ModelRegistryService } from './model-registry.service';
import { ShadowResultRepository, type ShadowResult } from './shadow-result.repository';

/**
 * Shadow mode: the shadow model reads every new or re-analysed study beside the active one, as a
 * shadow-analysis job (ShadowAnalysisHandler). Its results go to `shadow_results` only, never into
 * the report, so they cannot reach FHIR, HL7, the PACS or the patient; the agreement view compares
 * them with the doctors' verdicts.
 */
@Injectable()
export class ShadowAnalysisService {
  private engine: { version: string; models: ModelRepository; inference: InferenceService } | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly registry: ModelRegistryService,
    private readonly instances: InstanceRepository,
    private readonly images: ImageService,
    private readonly results: ShadowResultRepository,
  ) {}

  /** Reads the report's analysed images with the shadow model; nothing to do while none is in shadow mode. */
  async analyse(reportId: string): Promise<ShadowResult | undefined> {
    const report = await this.load(reportId);
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
    await this.results.save(result);
    return result;
  }

  private async load(reportId: string): Promise<Report> {
    try {
      return await this.reports.get(reportId);
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.NotFound) throw new JobTargetGoneError(error.message);
      throw error;
    }
  }

  /** One engine for the current shadow version, replaced when another version goes into shadow mode. */
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
