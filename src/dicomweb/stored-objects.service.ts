import { Injectable } from '@nestjs/common';
import type { InstanceRecord } from '../dicom/instance-record';
import { InstanceRepository, type ObjectScope } from '../dicom/instance.repository';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';

/** The instances a DICOMweb path names (newest version of each), or the 404 that says which UID is unknown. */
@Injectable()
export class StoredObjectsService {
  constructor(private readonly instances: InstanceRepository) {}

  async resolve(scope: ObjectScope): Promise<InstanceRecord[]> {
    const records = newestVersions(await this.instances.findServed(scope));
    if (records.length > 0) return records;
    if (scope.seriesInstanceUid === undefined) {
      throw new DicomwebException(DicomwebErrorCode.StudyNotFound, `study ${scope.studyInstanceUid} is not known`);
    }
    if (scope.sopInstanceUid === undefined) {
      throw new DicomwebException(
        DicomwebErrorCode.SeriesNotFound,
        `series ${scope.seriesInstanceUid} of study ${scope.studyInstanceUid} is not known`,
      );
    }
    throw new DicomwebException(
      DicomwebErrorCode.InstanceNotFound,
      `instance ${scope.sopInstanceUid} of series ${scope.seriesInstanceUid} is not known`,
    );
  }

  async resolveOne(scope: Required<ObjectScope>): Promise<InstanceRecord> {
    return (await this.resolve(scope))[0] as InstanceRecord;
  }
}

/** A re-sent instance with other content is kept as a new version; DICOMweb serves the newest. */
function newestVersions(records: readonly InstanceRecord[]): InstanceRecord[] {
  const newest = new Map<string, InstanceRecord>();
  for (const record of records) {
    const kept = newest.get(record.sopInstanceUid);
    if (!kept || record.version > kept.version) newest.set(record.sopInstanceUid, record);
  }
  return records.filter((record) => newest.get(record.sopInstanceUid) === record);
}
