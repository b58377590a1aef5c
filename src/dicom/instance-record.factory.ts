import { Tag, type DatasetHeader } from '../imaging/dataset-header.reader';
import type { InstanceSource, NewInstanceRecord } from './instance-record';
import type { InstanceIdentity } from './instance-validation';

export interface StoredBlobFacts {
  readonly sha256: string;
  readonly blobKey: string;
  readonly size: number;
  readonly transferSyntaxUid: string;
  readonly datasetOffset: number;
}

export interface ReceiptFacts {
  readonly receivedAt: Date;
  readonly callingAeTitle: string | undefined;
  readonly source: InstanceSource;
  readonly version: number;
  readonly conflict: boolean;
}

function text(header: DatasetHeader, tag: number): string | undefined {
  const value = header.values.get(tag);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function integer(header: DatasetHeader, tag: number): number | undefined {
  const value = header.values.get(tag);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) return Number.parseInt(value, 10);
  return undefined;
}

/** DICOM DA (YYYYMMDD) to YYYY-MM-DD; falls back to the day of receipt. */
export function studyDayOf(studyDate: string | undefined, receivedAt: Date): string {
  const match = studyDate ? /^(\d{4})(\d{2})(\d{2})$/.exec(studyDate) : null;
  if (match) return `${match[1]}-${match[2]}-${match[3]}`;
  return receivedAt.toISOString().slice(0, 10);
}

export function buildInstanceRecord(
  header: DatasetHeader,
  identity: InstanceIdentity,
  blob: StoredBlobFacts,
  receipt: ReceiptFacts,
): NewInstanceRecord {
  return {
    ...identity,
    patientId: text(header, Tag.PatientId),
    patientName: text(header, Tag.PatientName),
    patientBirthDate: text(header, Tag.PatientBirthDate),
    patientSex: text(header, Tag.PatientSex),
    accessionNumber: text(header, Tag.AccessionNumber),
    studyDay: studyDayOf(text(header, Tag.StudyDate), receipt.receivedAt),
    studyTime: text(header, Tag.StudyTime),
    modality: text(header, Tag.Modality),
    studyDescription: text(header, Tag.StudyDescription),
    seriesDescription: text(header, Tag.SeriesDescription),
    bodyPartExamined: text(header, Tag.BodyPartExamined)?.toUpperCase(),
    seriesNumber: integer(header, Tag.SeriesNumber),
    instanceNumber: integer(header, Tag.InstanceNumber),
    rows: integer(header, Tag.Rows),
    columns: integer(header, Tag.Columns),
    transferSyntaxUid: blob.transferSyntaxUid,
    size: blob.size,
    sha256: blob.sha256,
    blobKey: blob.blobKey,
    datasetOffset: blob.datasetOffset,
    pixelDataOffset: header.pixelData?.offset,
    receivedAt: receipt.receivedAt,
    callingAeTitle: receipt.callingAeTitle,
    source: receipt.source,
    version: receipt.version,
    conflict: receipt.conflict,
  };
}
