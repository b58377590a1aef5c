import type { ImageFindings, DoctorVerdict } from '../reports/findings';
import type { PersonRef } from '../reports/report';

/**
 * One image's label from a doctor's verdict, with provenance: what the AI said, what the
 * doctor said, who, when, from which channel, on which model version.
 */
export interface TrainingLabel {
  readonly id: string;
  readonly imageSha256: string;
  readonly blobKey: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly reportId: string;
  readonly modelVersion: string;
  readonly ai: Pick<ImageFindings, 'fractureProbability' | 'fracture' | 'countClass' | 'bodyPart'>;
  readonly label: Omit<DoctorVerdict, 'conclusion'>;
  readonly verdict: 'agreed' | 'amended' | 'withdrawn';
  /** `image`: the doctor judged this image; `study`: a study-level verdict applied to it. */
  readonly granularity: 'image' | 'study';
  readonly labelledBy: PersonRef;
  readonly labelledAt: Date;
  readonly source: 'review-api' | 'fhir' | 'hl7';
}

export type NewTrainingLabel = Omit<TrainingLabel, 'id'>;
