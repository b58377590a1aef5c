/** How an instance arrived: C-STORE, the upload API, STOW-RS, the start-up re-index, or made by Osteon (its AI results). */
export type InstanceSource = 'dicom' | 'upload' | 'stow' | 'reindex' | 'engine';

/** One stored DICOM instance: what the index knows about a blob. */
export interface InstanceRecord {
  readonly id: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly patientId: string | undefined;
  readonly patientName: string | undefined;
  readonly patientBirthDate: string | undefined;
  readonly patientSex: string | undefined;
  readonly accessionNumber: string | undefined;
  /** YYYY-MM-DD from StudyDate, else from the day it was received. */
  readonly studyDay: string;
  readonly studyTime: string | undefined;
  readonly modality: string | undefined;
  readonly studyDescription?: string;
  readonly seriesDescription?: string;
  readonly bodyPartExamined: string | undefined;
  readonly seriesNumber: number | undefined;
  readonly instanceNumber: number | undefined;
  readonly rows: number | undefined;
  readonly columns: number | undefined;
  readonly transferSyntaxUid: string;
  /** Bytes of the stored Part 10 file. */
  readonly size: number;
  readonly sha256: string;
  readonly blobKey: string;
  /** Offset of the data set in the blob, and of the pixel data value, for decoders. */
  readonly datasetOffset: number;
  readonly pixelDataOffset: number | undefined;
  readonly receivedAt: Date;
  readonly callingAeTitle: string | undefined;
  readonly source: InstanceSource;
  /** 1 for the first content seen for this SOP Instance UID; a different re-send adds one. */
  readonly version: number;
  /** True when this SOP Instance UID arrived before with other content. */
  readonly conflict: boolean;
  /**
   * Only Osteon's own results (source `engine`): when a newer version of the report replaced
   * this object, or the report was withdrawn. Retired objects are no longer served or answered.
   */
  readonly retiredAt?: Date;
}

export type NewInstanceRecord = Omit<InstanceRecord, 'id'>;
