import { Tag, type DatasetHeader } from '../imaging/dataset-header.reader';
import { isValidUid } from '../imaging/uid';
import { ACCEPTED_STORAGE_SOP_CLASSES } from './dicom.constants';
import { IngestErrorCode, IngestException } from './ingest.exception';

export interface InstanceIdentity {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
}

export interface ExpectedIdentity {
  readonly sopClassUid?: string;
  readonly sopInstanceUid?: string;
  /** STOW-RS to `/studies/{study}`: every instance must belong to that study. */
  readonly studyInstanceUid?: string;
}

/** File meta Private Information (0002,0102) of the objects Osteon makes (the creator is Osteon's implementation class UID). */
export const ENGINE_RESULT_PRIVATE_INFORMATION = 'OSTEON AI RESULT';

/** SOP classes of the objects Osteon makes itself (its AI results): SC images, the SR, the rejection note. */
export const ENGINE_RESULT_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.7',
  '1.2.840.10008.5.1.4.1.1.88.22',
  '1.2.840.10008.5.1.4.1.1.88.33',
  '1.2.840.10008.5.1.4.1.1.88.59',
]);

function requiredUid(header: DatasetHeader, tag: number, name: string): string {
  const value = header.values.get(tag);
  if (value === undefined || value === '') {
    throw new IngestException(IngestErrorCode.MissingAttribute, `${name} is missing`);
  }
  if (typeof value !== 'string' || !isValidUid(value)) {
    throw new IngestException(IngestErrorCode.InvalidUid, `${name} is not a valid UID`);
  }
  return value;
}

/**
 * The checks a radiograph must pass before it is acknowledged: the identifying UIDs are
 * present and valid, they agree with the C-STORE command, and there are pixels.
 */
export function validateInstance(header: DatasetHeader, expected: ExpectedIdentity): InstanceIdentity {
  const sopClassUid = requiredUid(header, Tag.SopClassUid, 'SOP Class UID');
  const sopInstanceUid = requiredUid(header, Tag.SopInstanceUid, 'SOP Instance UID');
  const studyInstanceUid = requiredUid(header, Tag.StudyInstanceUid, 'Study Instance UID');
  const seriesInstanceUid = requiredUid(header, Tag.SeriesInstanceUid, 'Series Instance UID');
  if (expected.sopClassUid !== undefined && expected.sopClassUid !== sopClassUid) {
    throw new IngestException(IngestErrorCode.SopClassMismatch, 'data set SOP Class UID differs from the command');
  }
  if (expected.sopInstanceUid !== undefined && expected.sopInstanceUid !== sopInstanceUid) {
    throw new IngestException(IngestErrorCode.SopInstanceMismatch, 'data set SOP Instance UID differs from the command');
  }
  if (expected.studyInstanceUid !== undefined && expected.studyInstanceUid !== studyInstanceUid) {
    throw new IngestException(IngestErrorCode.StudyMismatch, 'data set Study Instance UID differs from the study it was sent to');
  }
  if (!ACCEPTED_STORAGE_SOP_CLASSES.has(sopClassUid)) {
    throw new IngestException(IngestErrorCode.SopClassNotSupported, `SOP class ${sopClassUid} is not stored`);
  }
  if (!header.pixelData) throw new IngestException(IngestErrorCode.NoPixelData, 'image has no Pixel Data');
  return { sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid };
}

/** An object Osteon made (an AI result): identified like any instance, of a result class, pixels optional. */
export function validateEngineResult(header: DatasetHeader): InstanceIdentity {
  const identity = {
    sopClassUid: requiredUid(header, Tag.SopClassUid, 'SOP Class UID'),
    sopInstanceUid: requiredUid(header, Tag.SopInstanceUid, 'SOP Instance UID'),
    studyInstanceUid: requiredUid(header, Tag.StudyInstanceUid, 'Study Instance UID'),
    seriesInstanceUid: requiredUid(header, Tag.SeriesInstanceUid, 'Series Instance UID'),
  };
  if (!ENGINE_RESULT_SOP_CLASSES.has(identity.sopClassUid)) {
    throw new IngestException(IngestErrorCode.SopClassNotSupported, `SOP class ${identity.sopClassUid} is not a result Osteon makes`);
  }
  return identity;
}
