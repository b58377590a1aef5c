import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { IngestActivity } from '../dicom/ingest-activity';
import type { JobType } from '../jobs/job';
import { JobClaimGate } from '../jobs/job-claim.gate';

/**
 * Work that competes with receiving for the CPU: reading a study with the model (and its shadow
 * model), rendering results (archived for DICOMweb, sent to the PACS) and the patient PDF, retraining. It is not started
 * while images arrive; the draft report of a burst comes later, the modality never waits longer.
 * Text deliveries (FHIR, HL7) are cheap and go on. Reading already under way when a burst begins,
 * or past the longest deferral, runs on threads of a lower CPU priority (OSTEON_READ_NICE: the model's
 * worker and onnxruntime pool, the pixel decoder, the retraining command).
 */
export const YIELDS_TO_RECEIVING: readonly JobType[] = [
  'analyse-study',
  'shadow-analysis',
  'archive-results',
  'deliver-pacs',
  'deliver-portal',
  'deliver-fhir-document',
  'retrain-model',
];

/**
 * Jobs that decode a study's images and hold them, their tensors, heat maps and rendered results
 * while they run; OSTEON_READ_CONCURRENCY of them at once. Measured on two cores (bench/README.md,
 * issue 21): one at a time kept an engine reading a burst 40-70 MB lower, but its last draft came
 * 1.8x later, so by default they are not capped below the worker's slots (two). Deliveries use the
 * other slots when they are capped.
 */
export const READS_IMAGES: readonly JobType[] = ['analyse-study', 'shadow-analysis', 'archive-results'];

@Injectable()
export class ReceivePriority implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gate: JobClaimGate,
    private readonly activity: IngestActivity,
  ) {}

  onModuleInit(): void {
    this.gate.deferWhile(YIELDS_TO_RECEIVING, () => this.activity.receiving());
    this.gate.limitRunning(READS_IMAGES, this.config.jobs.readConcurrency);
  }
}
