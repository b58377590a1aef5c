import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { currentCorrelationId } from '../common/correlation';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { StoreStatus } from '../dicom/dicom.constants';
import { IngestService } from '../dicom/ingest.service';
import { storeStatusFor } from '../dicom/store-status';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import type { DicomwebUrls } from './dicomweb-urls';
import { DicomwebErrorCode, DicomwebException } from './dicomweb.exception';
import { boundaryOf, MultipartSyntaxError, MultipartTooLargeError, readMultipart, type PartSink } from './multipart';
import { StowPartSink, type StowPart } from './stow-part.sink';
import { stowOutcome, type FailedInstance, type StoredInstance, type StowOutcome } from './stow-response';

export interface StowRequest {
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
  readonly body: AsyncIterable<Buffer | string>;
  /** `/studies/{study}`: every instance must belong to it. */
  readonly studyInstanceUid: string | undefined;
  readonly storedBy: string;
}

/** A part that is not `application/dicom`: read to its end and dropped. */
const DISCARD: PartSink = { write: async () => undefined, end: async () => undefined, abort: async () => undefined };

/**
 * STOW-RS (PS3.18 10.5): each `application/dicom` part streams into a staging file and then takes
 * the same ingest path as a C-STORE (validation, content-addressed blob, fsync, index, analysis).
 * The body is read whole before anything is stored, so a malformed or oversized body stores nothing.
 */
@Injectable()
export class StowService {
  private readonly logger = moduleLogger('stow');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ingest: IngestService,
    private readonly blobs: BlobStoreRepository,
  ) {}

  /** Refuses what can be refused from the headers alone, before the body is read. */
  admit(contentType: string | undefined, contentLength: number | undefined): string {
    const type = (contentType ?? '').toLowerCase();
    const partType = /;\s*type="?([^";]+)"?/.exec(type)?.[1]?.trim();
    if (!type.startsWith('multipart/related') || (partType !== undefined && partType !== 'application/dicom')) {
      throw new DicomwebException(
        DicomwebErrorCode.UnsupportedMediaType,
        'STOW-RS takes multipart/related; type="application/dicom" (Part 10 files; no JSON or XML metadata)',
      );
    }
    const max = this.config.dicomweb.maxStowBytes;
    if (contentLength !== undefined && contentLength > max) {
      throw new DicomwebException(DicomwebErrorCode.PayloadTooLarge, `the body is ${contentLength} bytes; at most ${max} are taken`);
    }
    const boundary = boundaryOf(contentType ?? '');
    if (!boundary) throw new DicomwebException(DicomwebErrorCode.MalformedBody, 'the Content-Type has no valid boundary parameter');
    return boundary;
  }

  async store(request: StowRequest, urls: DicomwebUrls): Promise<StowOutcome & { studies: string[] }> {
    const boundary = this.admit(request.contentType, request.contentLength);
    // The request's id (the HTTP line and X-Correlation-Id say it too).
    const correlationId = currentCorrelationId() ?? randomUUID();
    const parts = await this.readParts(request.body, boundary);
    const stored: StoredInstance[] = [];
    const failed: FailedInstance[] = [];
    const studies = new Set<string>();
    for (const part of parts) {
      if (part.kind === 'not-dicom') {
        failed.push({ sopClassUid: '', sopInstanceUid: '', failureReason: StoreStatus.CannotUnderstand });
        this.logger.warn({ correlationId, reason: part.reason }, 'STOW-RS part refused');
        continue;
      }
      const { meta } = part;
      try {
        const { record } = await this.ingest.ingest({
          staged: part.staged,
          transferSyntaxUid: meta.transferSyntaxUid,
          expected: {
            sopClassUid: meta.mediaStorageSopClassUid,
            sopInstanceUid: meta.mediaStorageSopInstanceUid,
            studyInstanceUid: request.studyInstanceUid,
          },
          callingAeTitle: `stow:${request.storedBy}`.slice(0, 64),
          source: 'stow',
          receivedAt: new Date(),
          correlationId,
        });
        studies.add(record.studyInstanceUid);
        stored.push({
          sopClassUid: record.sopClassUid,
          sopInstanceUid: record.sopInstanceUid,
          retrieveUrl: urls.instance(record.studyInstanceUid, record.seriesInstanceUid, record.sopInstanceUid),
        });
      } catch (error) {
        const status = storeStatusFor(error);
        this.logger.warn(
          { correlationId, sopInstanceUid: meta.mediaStorageSopInstanceUid, status: status.status, reason: status.errorComment },
          'STOW-RS instance refused',
        );
        failed.push({
          sopClassUid: meta.mediaStorageSopClassUid ?? '',
          sopInstanceUid: meta.mediaStorageSopInstanceUid ?? '',
          failureReason: status.status,
        });
      }
    }
    const [onlyStudy] = studies;
    const studyUrl = request.studyInstanceUid ?? (studies.size === 1 ? onlyStudy : undefined);
    this.logger.info({ correlationId, stored: stored.length, failed: failed.length }, 'STOW-RS answered');
    return { ...stowOutcome(stored, failed, studyUrl ? urls.study(studyUrl) : undefined), studies: [...studies] };
  }

  /** Every part staged (or judged not DICOM); on a broken or oversized body nothing staged is kept. */
  private async readParts(body: AsyncIterable<Buffer | string>, boundary: string): Promise<StowPart[]> {
    const sinks: Array<StowPartSink | StowPart> = [];
    try {
      await readMultipart(
        body,
        boundary,
        async (headers) => {
          const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
          if (type !== 'application/dicom') {
            sinks.push({ kind: 'not-dicom', reason: `a part is ${type || 'untyped'}, not application/dicom` });
            return DISCARD;
          }
          const sink = new StowPartSink((header) => this.blobs.createStagingWriter(header));
          sinks.push(sink);
          return sink;
        },
        this.config.dicomweb.maxStowBytes,
      );
    } catch (error) {
      await Promise.all(sinks.map((sink) => this.discard(sink)));
      if (error instanceof MultipartTooLargeError) throw new DicomwebException(DicomwebErrorCode.PayloadTooLarge, error.message);
      if (error instanceof MultipartSyntaxError) throw new DicomwebException(DicomwebErrorCode.MalformedBody, error.message);
      throw error;
    }
    return sinks.map((sink) => (sink instanceof StowPartSink ? sink.result() : sink));
  }

  private async discard(sink: StowPartSink | StowPart): Promise<void> {
    if (!(sink instanceof StowPartSink)) return;
    await sink.abort();
    try {
      const part = sink.result();
      if (part.kind === 'staged') await this.blobs.discard(part.staged.path);
    } catch {
      // the part never ended: abort removed its staging file
    }
  }
}
