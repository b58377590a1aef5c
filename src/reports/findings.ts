export type CountClass = '0' | '1' | '2+';
export type BodyPart = 'hand' | 'leg' | 'hip' | 'shoulder';
export type Urgency = 'urgent' | 'soon' | 'routine';

/** A rectangle on the original image, corners as fractions of its width and height (0..1). */
export interface FindingRegion {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** What the model said about one image (the inference module's output, stored as is). */
export interface ImageFindings {
  readonly modelVersion: string;
  readonly fractureProbability: number;
  readonly fracture: boolean;
  readonly threshold: number;
  readonly countClass: CountClass;
  readonly countProbabilities: readonly number[];
  readonly bodyPart: BodyPart;
  readonly bodyPartSource: 'dicom' | 'model';
  readonly bodyPartProbabilities: readonly number[];
  /** Heat-map peak, normalised to the original image (0..1). */
  readonly peak: { readonly x: number; readonly y: number } | undefined;
  /**
   * Models with a box head (2.x): the top-scoring fracture box, normalised to the original image
   * (0..1). It is the model's "where" (its centre is what the pointing game scores); absent for
   * 1.0.x models and for images the head put no box on.
   */
  readonly box?: FindingRegion;
}

/** One analysed image of a study: the instance it came from plus the findings. */
export interface AnalysedImage {
  readonly sopInstanceUid: string;
  readonly instanceId: string;
  readonly sha256: string;
  readonly blobKey: string;
  readonly findings: ImageFindings;
  readonly heatmapId: string | undefined;
}

/**
 * An image of the study the AI gave no finding for, and why; the doctor reads it without AI.
 * `unreadable`: its pixels could not be decoded; `not-applicable`: the image-quality gate found
 * nothing the model can read (blank, uniform, noise, not a radiograph); `unavailable`: the model
 * could not run for it even after every retry.
 */
export interface UnanalysedImage {
  readonly sopInstanceUid: string;
  readonly instanceId: string;
  readonly sha256: string;
  readonly blobKey: string;
  readonly cause: 'unreadable' | 'not-applicable' | 'unavailable';
  readonly reason: string;
}

/** The study-level draft the doctor sees. */
export interface StudyFindings {
  readonly fracture: boolean;
  readonly probability: number;
  readonly countClass: CountClass;
  readonly bodyPart: BodyPart;
  readonly urgency: Urgency;
}

/** What the doctor decided; on an amendment it stands beside what the AI said. */
export interface DoctorVerdict {
  readonly fracture: boolean;
  readonly countClass: CountClass;
  readonly bodyPart: BodyPart;
  readonly conclusion: string | undefined;
}

/** A doctor's verdict on one image of an amended study (per-image training labels). */
export interface ImageVerdict {
  readonly sopInstanceUid: string;
  readonly fracture: boolean;
  readonly countClass: CountClass;
  readonly bodyPart: BodyPart;
}
