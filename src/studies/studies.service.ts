import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import type { InstanceRecord } from '../dicom/instance-record';
import { InstanceRepository, type StudySummary } from '../dicom/instance.repository';
import { StudiesErrorCode, StudiesException } from './studies.exception';

export interface StudyView {
  readonly studyInstanceUid: string;
  readonly patientId: string | undefined;
  readonly accessionNumber: string | undefined;
  readonly studyDay: string;
  readonly instances: ReadonlyArray<{
    readonly sopInstanceUid: string;
    readonly seriesInstanceUid: string;
    readonly sopClassUid: string;
    readonly transferSyntaxUid: string;
    readonly size: number;
    readonly sha256: string;
    readonly receivedAt: Date;
    readonly version: number;
    readonly conflict: boolean;
    readonly bodyPartExamined: string | undefined;
  }>;
}

export interface StudyQuery {
  readonly patientId?: string;
  readonly from?: string;
  readonly to?: string;
  readonly offset: number;
  readonly limit: number;
}

@Injectable()
export class StudiesService {
  constructor(
    private readonly instances: InstanceRepository,
    private readonly blobs: BlobStoreRepository,
  ) {}

  async openInstanceFile(id: string): Promise<{ stream: Readable; size: number }> {
    const record = await this.instances.findById(id);
    if (!record) throw new StudiesException(StudiesErrorCode.InstanceNotFound, `instance ${id} not found`);
    return { stream: this.blobs.readStream(record.blobKey), size: record.size };
  }

  async getStudy(studyInstanceUid: string): Promise<StudyView> {
    const records = await this.instances.findByStudy(studyInstanceUid);
    if (records.length === 0) throw new StudiesException(StudiesErrorCode.StudyNotFound, `study ${studyInstanceUid} is not known`);
    const first = records[0] as InstanceRecord;
    return {
      studyInstanceUid,
      patientId: first.patientId,
      accessionNumber: first.accessionNumber,
      studyDay: first.studyDay,
      instances: records.map((record) => ({
        sopInstanceUid: record.sopInstanceUid,
        seriesInstanceUid: record.seriesInstanceUid,
        sopClassUid: record.sopClassUid,
        transferSyntaxUid: record.transferSyntaxUid,
        size: record.size,
        sha256: record.sha256,
        receivedAt: record.receivedAt,
        version: record.version,
        conflict: record.conflict,
        bodyPartExamined: record.bodyPartExamined,
      })),
    };
  }

  async searchStudies(query: StudyQuery): Promise<{ items: StudySummary[]; total: number }> {
    return this.instances.searchStudies({
      patientId: query.patientId,
      fromDay: query.from,
      toDay: query.to,
      offset: query.offset,
      limit: query.limit,
    });
  }
}
