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
}

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
  if (!ACCEPTED_STORAGE_SOP_CLASSES.has(sopClassUid)) {
    throw new IngestException(IngestErrorCode.SopClassNotSupported, `SOP class ${sopClassUid} is not stored`);
  }
  if (!header.pixelData) throw new IngestException(IngestErrorCode.NoPixelData, 'image has no Pixel Data');
  return { sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid };
}
