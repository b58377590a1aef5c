import { Injectable } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { InferenceService } from '../inference/inference.service';
import { MetricsRegistry } from '../metrics/metrics.registry';

/** The stages between the last image and the draft report, and which model reads. */
@Injectable()
export class AnalysisMetrics {
  readonly assemblyWait: Histogram;
  readonly inferencePerImage: Histogram<'outcome'>;
  readonly reportCreated: Histogram;

  constructor(metrics: MetricsRegistry, inference: InferenceService) {
    this.assemblyWait = metrics.histogram(
      'osteon_study_assembly_wait_seconds',
      'Assembly wait: from the last image of a study received to its analysis starting (idle time, or the order count reached).',
    );
    this.inferencePerImage = metrics.histogram(
      'osteon_inference_seconds',
      'Inference per image (decode, preprocess, quality gate, model), by outcome: analysed, not-applicable, unreadable, failed.',
      ['outcome'],
    );
    this.reportCreated = metrics.histogram(
      'osteon_report_created_seconds',
      'From the last image of a study received to its report written (created or updated with the analysis).',
    );
    metrics.gauge('osteon_model_info', 'The fracture model loaded for inference: 1 for its version.', ['version'], (gauge) => {
      gauge.reset();
      const version = inference.loadedModelVersion;
      if (version !== undefined) gauge.set({ version }, 1);
    });
  }
}
