import { Injectable, type OnModuleInit } from '@nestjs/common';
import { IngestActivity } from '../dicom/ingest-activity';
import type { JobType } from '../jobs/job';
import { JobClaimGate } from '../jobs/job-claim.gate';

/**
 * Work that competes with receiving for the CPU: reading a study with the model (and its shadow
 * model), rendering results (archived for DICOMweb, sent to the PACS) and the patient PDF, retraining. It is not started
 * while images arrive; the draft report of a burst comes later, the modality never waits longer.
 * Text deliveries (FHIR, HL7) are cheap and go on.
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

@Injectable()
export class ReceivePriority implements OnModuleInit {
  constructor(
    private readonly gate: JobClaimGate,
    private readonly activity: IngestActivity,
  ) {}

  onModuleInit(): void {
    this.gate.deferWhile(YIELDS_TO_RECEIVING, () => this.activity.receiving());
  }
}
