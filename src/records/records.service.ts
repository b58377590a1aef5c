import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { imageToDicom } from '../dicom/image-to-dicom';
import { IngestService, type IngestResult } from '../dicom/ingest.service';
import { Tag, DatasetHeaderReader } from '../imaging/dataset-header.reader';
import { TransferSyntax } from '../imaging/dicom-file.constants';
import { buildFileMetaHeader, readFileMeta } from '../imaging/part10';
import { generateUid } from '../imaging/uid';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import { bufferSource } from '../storage/byte-source';
import type { StagedBlob } from '../storage/staging-writer';
import type { RecordInput, UploadedImage } from './record-input';
import { RecordRejectedException } from './record.exception';
import { UploadedImageReader } from './uploaded-image.reader';

export interface RecordResult {
  readonly studyInstanceUids: string[];
  readonly instances: Array<{ originalName: string; sopInstanceUid: string; studyInstanceUid: string; outcome: IngestResult['outcome'] }>;
}

function isPart10(bytes: Buffer): boolean {
  return bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM';
}

/**
 * The administrative worker's record: one or more images for a patient. Ordinary images are
 * wrapped as DX instances of one new study; every image then takes the same ingest path as a
 * C-STORE, so nothing about storage or analysis differs by channel.
 */
@Injectable()
export class RecordsService {
  private readonly logger = moduleLogger('records');

  constructor(
    private readonly ingest: IngestService,
    private readonly blobs: BlobStoreRepository,
    private readonly images: UploadedImageReader,
  ) {}

  async addRecord(input: RecordInput, files: readonly UploadedImage[], uploadedBy: string): Promise<RecordResult> {
    if (files.length === 0) throw new RecordRejectedException('a record needs at least one image');
    const correlationId = randomUUID();
    const studyInstanceUid = generateUid();
    const seriesInstanceUid = generateUid();
    // Check every file before storing any, so a bad file does not leave half a record.
    const prepared = await Promise.all(
      files.map((file, index) => this.prepare(file, input, { studyInstanceUid, seriesInstanceUid, instanceNumber: index + 1 })),
    );
    const instances: RecordResult['instances'] = [];
    for (const [index, part10] of prepared.entries()) {
      const result = await this.store(part10, uploadedBy, correlationId);
      instances.push({
        originalName: (files[index] as UploadedImage).originalName,
        sopInstanceUid: result.record.sopInstanceUid,
        studyInstanceUid: result.record.studyInstanceUid,
        outcome: result.outcome,
      });
    }
    this.logger.info({ correlationId, studyInstanceUid, images: instances.length }, 'record added');
    return { studyInstanceUids: [...new Set(instances.map((instance) => instance.studyInstanceUid))], instances };
  }

  private async prepare(
    file: UploadedImage,
    input: RecordInput,
    study: { studyInstanceUid: string; seriesInstanceUid: string; instanceNumber: number },
  ): Promise<Buffer> {
    if (isPart10(file.bytes)) {
      await this.checkDicomPatient(file, input.patientId);
      return file.bytes;
    }
    let grey;
    try {
      grey = await this.images.readGrey(file.bytes);
    } catch (error) {
      throw new RecordRejectedException(`${file.originalName}: not a DICOM, JPEG or PNG image (${(error as Error).message})`);
    }
    return imageToDicom(
      grey,
      { patientId: input.patientId, patientName: input.patientName, birthDate: input.birthDate, sex: input.sex },
      { ...study, accessionNumber: input.accessionNumber, bodyPartExamined: input.bodyPart },
    ).part10;
  }

  /** A DICOM file for another patient in this record is a mix-up: refuse it. */
  private async checkDicomPatient(file: UploadedImage, patientId: string): Promise<void> {
    try {
      const meta = await readFileMeta(bufferSource(file.bytes));
      const header = await DatasetHeaderReader.read(
        bufferSource(file.bytes),
        meta.datasetOffset,
        meta.transferSyntaxUid === TransferSyntax.ImplicitVrLittleEndian,
      );
      const filePatient = header.values.get(Tag.PatientId);
      if (filePatient !== undefined && filePatient !== patientId) {
        throw new RecordRejectedException(`${file.originalName}: the DICOM file belongs to another patient ID`);
      }
    } catch (error) {
      if (error instanceof RecordRejectedException) throw error;
      throw new RecordRejectedException(`${file.originalName}: unreadable DICOM file (${(error as Error).message})`);
    }
  }

  private async store(part10: Buffer, uploadedBy: string, correlationId: string): Promise<IngestResult> {
    const meta = await readFileMeta(bufferSource(part10));
    const header = buildFileMetaHeader({
      mediaStorageSopClassUid: meta.mediaStorageSopClassUid ?? '',
      mediaStorageSopInstanceUid: meta.mediaStorageSopInstanceUid ?? '',
      transferSyntaxUid: meta.transferSyntaxUid,
      sourceApplicationEntityTitle: 'UPLOAD',
    });
    const staged = await this.stage(header, part10.subarray(meta.datasetOffset));
    return this.ingest.ingest({
      staged,
      transferSyntaxUid: meta.transferSyntaxUid,
      expected: { sopClassUid: meta.mediaStorageSopClassUid, sopInstanceUid: meta.mediaStorageSopInstanceUid },
      callingAeTitle: `upload:${uploadedBy}`.slice(0, 64),
      source: 'upload',
      receivedAt: new Date(),
      correlationId,
    });
  }

  private async stage(header: Buffer, dataset: Buffer): Promise<StagedBlob> {
    const writer = this.blobs.createStagingWriter(header);
    await new Promise<void>((resolve, reject) => {
      writer.once('finish', resolve);
      writer.once('error', reject);
      writer.end(dataset);
    });
    return writer.result();
  }
}
