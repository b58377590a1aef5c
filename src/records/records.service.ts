import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { currentCorrelationId } from '../common/correlation';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { imageToDicomParts } from '../dicom/image-to-dicom';
import { IngestService, type IngestResult } from '../dicom/ingest.service';
import { Tag } from '../imaging/dataset-header.reader';
import { buildFileMetaHeader, readFileMeta, readPart10Header, type ParsedFileMeta as FileMeta } from '../imaging/part10';
import { generateUid } from '../imaging/uid';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import type { StagedBlob } from '../storage/staging-writer';
import type { RecordInput, UploadedImage } from './record-input';
import { ImageTooLargeException, RecordRejectedException } from './record.exception';
import { UploadFilesRepository } from './upload-files.repository';
import { UploadedImageReader } from './uploaded-image.reader';

export interface RecordResult {
  readonly studyInstanceUids: string[];
  readonly instances: Array<{ originalName: string; sopInstanceUid: string; studyInstanceUid: string; outcome: IngestResult['outcome'] }>;
}

/** What the header of one upload said: a DICOM file (kept as it is) or an ordinary image to wrap. */
type Checked = { readonly kind: 'dicom'; readonly meta: FileMeta } | { readonly kind: 'image' };

/**
 * The administrative worker's record: one or more images for a patient. Ordinary images are
 * wrapped as DX instances of one new study; every image then takes the same ingest path as a
 * C-STORE, so nothing about storage or analysis differs by channel. Uploads arrive as files on
 * disk; every file's header (format, size, patient) is checked before anything is decoded or
 * stored, and images are decoded one at a time, so one upload stays within a few hundred MB.
 */
/** A typed-in study day (YYYYMMDD) as noon UTC of that day, so every time zone writes the same StudyDate. */
function studyDateOf(day: string | undefined): Date | undefined {
  return day ? new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T12:00:00Z`) : undefined;
}

@Injectable()
export class RecordsService {
  private readonly logger = moduleLogger('records');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ingest: IngestService,
    private readonly blobs: BlobStoreRepository,
    private readonly images: UploadedImageReader,
    private readonly files: UploadFilesRepository,
  ) {}

  async addRecord(input: RecordInput, files: readonly UploadedImage[], uploadedBy: string): Promise<RecordResult> {
    try {
      return await this.addFiles(input, files, uploadedBy);
    } finally {
      await this.files.remove(files.map((file) => file.path));
    }
  }

  private async addFiles(input: RecordInput, files: readonly UploadedImage[], uploadedBy: string): Promise<RecordResult> {
    if (files.length === 0) throw new RecordRejectedException('a record needs at least one image');
    // The upload request's id (and so the id its analysis, report and deliveries carry).
    const correlationId = currentCorrelationId() ?? randomUUID();
    const study = { studyInstanceUid: generateUid(), seriesInstanceUid: generateUid() };
    // Check every file's header before storing any, so a bad or oversized file leaves no half record.
    const checked: Checked[] = [];
    for (const file of files) checked.push(await this.check(file, input.patientId));
    const instances: RecordResult['instances'] = [];
    for (const [index, file] of files.entries()) {
      const check = checked[index] as Checked;
      const result =
        check.kind === 'dicom'
          ? await this.storeDicom(file, check.meta, uploadedBy, correlationId)
          : await this.storeImage(file, input, { ...study, instanceNumber: index + 1 }, uploadedBy, correlationId);
      instances.push({
        originalName: file.originalName,
        sopInstanceUid: result.record.sopInstanceUid,
        studyInstanceUid: result.record.studyInstanceUid,
        outcome: result.outcome,
      });
    }
    this.logger.info({ correlationId, studyInstanceUid: study.studyInstanceUid, images: instances.length }, 'record added');
    return { studyInstanceUids: [...new Set(instances.map((instance) => instance.studyInstanceUid))], instances };
  }

  private tooLarge(file: UploadedImage, width: number, height: number): ImageTooLargeException | undefined {
    const limit = this.config.dicom.maxImagePixels;
    if (width * height <= limit) return undefined;
    return new ImageTooLargeException(
      `${file.originalName}: the image is ${width} x ${height} pixels (${((width * height) / 1e6).toFixed(1)} megapixels); ` +
        `the limit is ${(limit / 1e6).toFixed(1)} megapixels (OSTEON_MAX_IMAGE_PIXELS)`,
    );
  }

  /** From the header only: DICOM (its patient and Rows x Columns), or a JPEG/PNG and its size. */
  private async check(file: UploadedImage, patientId: string): Promise<Checked> {
    const dicom = await this.files.withSource(file.path, async (source) => {
      const magic = source.size > 132 ? await source.read(128, 4) : Buffer.alloc(0);
      if (magic.toString('latin1') !== 'DICM') return undefined;
      try {
        return await readPart10Header(source);
      } catch (error) {
        throw new RecordRejectedException(`${file.originalName}: unreadable DICOM file (${(error as Error).message})`);
      }
    });
    if (dicom) {
      const filePatient = dicom.header.values.get(Tag.PatientId);
      if (filePatient !== undefined && filePatient !== patientId) {
        throw new RecordRejectedException(`${file.originalName}: the DICOM file belongs to another patient ID`);
      }
      const rows = Number(dicom.header.values.get(Tag.Rows) ?? 0);
      const columns = Number(dicom.header.values.get(Tag.Columns) ?? 0);
      const large = this.tooLarge(file, columns, rows);
      if (large) throw large;
      return { kind: 'dicom', meta: dicom.meta };
    }
    let described;
    try {
      described = await this.images.describe(file.path);
    } catch (error) {
      throw new RecordRejectedException(`${file.originalName}: not a DICOM, JPEG or PNG image (${(error as Error).message})`);
    }
    if (described.format !== 'jpeg' && described.format !== 'png') {
      throw new RecordRejectedException(`${file.originalName}: not a DICOM, JPEG or PNG image (format ${described.format ?? 'unknown'})`);
    }
    const large = this.tooLarge(file, described.width, described.height);
    if (large) throw large;
    return { kind: 'image' };
  }

  private async storeImage(
    file: UploadedImage,
    input: RecordInput,
    study: { studyInstanceUid: string; seriesInstanceUid: string; instanceNumber: number },
    uploadedBy: string,
    correlationId: string,
  ): Promise<IngestResult> {
    let grey;
    try {
      grey = await this.images.readGrey(file.path);
    } catch (error) {
      throw new RecordRejectedException(`${file.originalName}: the image could not be decoded (${(error as Error).message})`);
    }
    const parts = imageToDicomParts(
      grey,
      { patientId: input.patientId, patientName: input.patientName, birthDate: input.birthDate, sex: input.sex },
      { ...study, accessionNumber: input.accessionNumber, bodyPartExamined: input.bodyPart, studyDate: studyDateOf(input.studyDate) },
    );
    const meta = await readFileMeta({ size: parts.head.length, read: async (at, length) => parts.head.subarray(at, at + length) });
    const staged = await this.stage(meta, (writer) => {
      writer.write(parts.head.subarray(meta.datasetOffset));
      writer.write(parts.pixelHeader);
      writer.write(parts.pixels);
      writer.end(parts.padding);
    });
    return this.ingestStaged(staged, meta, uploadedBy, correlationId);
  }

  /** A DICOM upload is stored byte for byte: its data set streams from the upload file into staging. */
  private async storeDicom(file: UploadedImage, meta: FileMeta, uploadedBy: string, correlationId: string): Promise<IngestResult> {
    const staged = await this.stage(meta, (writer) => {
      const input: Readable = this.files.stream(file.path, meta.datasetOffset);
      input.once('error', (error) => writer.destroy(error));
      input.pipe(writer);
    });
    return this.ingestStaged(staged, meta, uploadedBy, correlationId);
  }

  private async stage(
    meta: FileMeta,
    write: (writer: NodeJS.WritableStream & { destroy(error?: Error): void }) => void,
  ): Promise<StagedBlob> {
    const header = buildFileMetaHeader({
      mediaStorageSopClassUid: meta.mediaStorageSopClassUid ?? '',
      mediaStorageSopInstanceUid: meta.mediaStorageSopInstanceUid ?? '',
      transferSyntaxUid: meta.transferSyntaxUid,
      sourceApplicationEntityTitle: 'UPLOAD',
    });
    const writer = this.blobs.createStagingWriter(header);
    await new Promise<void>((resolve, reject) => {
      writer.once('finish', resolve);
      writer.once('error', reject);
      write(writer);
    });
    return writer.result();
  }

  private ingestStaged(staged: StagedBlob, meta: FileMeta, uploadedBy: string, correlationId: string): Promise<IngestResult> {
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
}
