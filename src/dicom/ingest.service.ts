import { Inject, Injectable, Optional } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DatasetHeaderReader, DatasetParseError, type DatasetHeader } from '../imaging/dataset-header.reader';
import { OSTEON_IMPLEMENTATION_CLASS_UID, TransferSyntax } from '../imaging/dicom-file.constants';
import { buildFileMetaHeader, readFileMeta } from '../imaging/part10';
import { BITSTREAM_HEAD_BYTES, pixelDataProblem, type PixelProblem } from '../imaging/pixel-consistency';
import { BlobStoreRepository, type CommittedBlob } from '../storage/blob-store.repository';
import { bufferSource } from '../storage/byte-source';
import type { StagedBlob } from '../storage/staging-writer';
import { TRANSFER_SYNTAX_PREFERENCE } from './dicom.constants';
import { IngestErrorCode, IngestException } from './ingest.exception';
import { IngestActivity } from './ingest-activity';
import { IngestMetrics } from './ingest-metrics';
import { InstanceEvents } from './instance-events';
import type { InstanceRecord, InstanceSource } from './instance-record';
import { buildInstanceRecord } from './instance-record.factory';
import {
  ENGINE_RESULT_PRIVATE_INFORMATION,
  validateEngineResult,
  validateInstance,
  type ExpectedIdentity,
  type InstanceIdentity,
} from './instance-validation';
import { InstanceRepository } from './instance.repository';

const PIXEL_PROBLEM_CODES: Readonly<Record<PixelProblem['kind'], IngestErrorCode>> = {
  inconsistent: IngestErrorCode.PixelDataInconsistent,
  unreadable: IngestErrorCode.Unreadable,
  'too-large': IngestErrorCode.ImageTooLarge,
};

export interface StagedInstance {
  readonly staged: StagedBlob;
  readonly transferSyntaxUid: string;
  readonly expected: ExpectedIdentity;
  readonly callingAeTitle: string | undefined;
  readonly source: InstanceSource;
  readonly receivedAt: Date;
  /** Correlates log lines of one association or request. */
  readonly correlationId: string;
}

export type IngestOutcome = 'stored' | 'duplicate' | 'new-version';

export interface IngestResult {
  readonly outcome: IngestOutcome;
  readonly record: InstanceRecord;
}

/**
 * Turns a staged (fsynced) Part 10 file into an acknowledged instance: validate, move the blob
 * to its content address, index it. Only when this resolves may the sender be told Success.
 */
@Injectable()
export class IngestService {
  private readonly logger = moduleLogger('ingest');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly blobs: BlobStoreRepository,
    private readonly instances: InstanceRepository,
    private readonly events: InstanceEvents,
    private readonly activity: IngestActivity,
    @Optional() private readonly metrics?: IngestMetrics,
  ) {}

  /**
   * An original (C-STORE, upload, STOW-RS): validated as a radiograph; the study workflow hears of
   * it. Counts as receiving (IngestActivity), which holds back the reading work while images arrive.
   */
  ingest(instance: StagedInstance): Promise<IngestResult> {
    return this.activity.during(() => this.commit(instance, (header) => validateInstance(header, instance.expected), true));
  }

  /**
   * An object Osteon made itself (an AI result: SC, SR, rejection note) as a Part 10 file in parts
   * (part10Parts), kept in the same store with the same durability so DICOMweb serves it. Its file meta
   * names Osteon as the creator, so a re-index knows it for a result. No event: results are never analysed.
   */
  async storeResult(part10: readonly Buffer[], correlationId: string): Promise<IngestResult> {
    const [head, ...rest] = part10;
    if (!head) throw new Error('an engine result has no bytes');
    const meta = await readFileMeta(bufferSource(head));
    const header = buildFileMetaHeader({
      mediaStorageSopClassUid: meta.mediaStorageSopClassUid ?? '',
      mediaStorageSopInstanceUid: meta.mediaStorageSopInstanceUid ?? '',
      transferSyntaxUid: meta.transferSyntaxUid,
      privateInformationCreatorUid: OSTEON_IMPLEMENTATION_CLASS_UID,
      privateInformation: ENGINE_RESULT_PRIVATE_INFORMATION,
    });
    const writer = this.blobs.createStagingWriter(header);
    await new Promise<void>((resolve, reject) => {
      writer.once('finish', resolve);
      writer.once('error', reject);
      // The parts as they are (a capture's pixels are one of them): the staging writer takes them in one writev.
      writer.cork();
      writer.write(head.subarray(meta.datasetOffset));
      for (const part of rest) writer.write(part);
      writer.end();
    });
    const instance: StagedInstance = {
      staged: writer.result(),
      transferSyntaxUid: meta.transferSyntaxUid,
      expected: { sopClassUid: meta.mediaStorageSopClassUid, sopInstanceUid: meta.mediaStorageSopInstanceUid },
      callingAeTitle: undefined,
      source: 'engine',
      receivedAt: new Date(),
      correlationId,
    };
    return this.commit(instance, (dataset) => validateEngineResult(dataset), false);
  }

  private async commit(
    instance: StagedInstance,
    validate: (header: DatasetHeader) => InstanceIdentity,
    announce: boolean,
  ): Promise<IngestResult> {
    const log = this.logger.child({ correlationId: instance.correlationId });
    // Originals only: the engine's own results are stored in the background and would blur the receiving picture.
    const timing = announce ? this.metrics?.start() : undefined;
    timing?.track('file', instance.staged.durable);
    let committedKey: string | undefined;
    try {
      const { header, problem } = await this.readHeader(instance);
      const identity = validate(header);
      if (problem) throw new IngestException(PIXEL_PROBLEM_CODES[problem.kind], problem.reason);
      // Indexed while the staged file is synced, moved to its address and its directory synced: the
      // database's round trip and journal sync overlap the file's instead of following them (issue 21).
      // Success waits for all of it. A crash before the file is in place can leave a record without its
      // file, for an instance the sender was never told is stored: start-up removes it (ReindexService),
      // and a re-send puts the file back. Identical content re-sent finds its address taken, its copy dropped.
      const blobKey = BlobStoreRepository.keyFor(instance.staged.sha256);
      const indexing = settle(this.index(instance, header, identity, blobKey));
      timing?.track('index', indexing);
      let commit: CommittedBlob;
      try {
        commit = await this.blobs.commit(instance.staged);
      } catch (error) {
        await this.withdrawUnbacked(await indexing, blobKey);
        throw error;
      }
      if (commit.created) committedKey = commit.blobKey;
      timing?.track('directory', commit.durable);
      const [indexed, synced] = await Promise.all([indexing, settle(commit.durable)]);
      if (indexed.status === 'rejected') throw indexed.reason;
      // Indexed either way now; a blob that had gone missing under an earlier record is back in place, so it stays.
      committedKey = undefined;
      if (synced.status === 'rejected') throw synced.reason;
      if (timing) this.metrics?.stored(timing);
      const { record, inserted } = indexed.value;
      if (!inserted) {
        log.info({ sopInstanceUid: record.sopInstanceUid, instanceId: record.id }, 'instance re-sent with identical content');
        return { outcome: 'duplicate', record };
      }
      const outcome: IngestOutcome = record.conflict ? 'new-version' : 'stored';
      if (record.conflict) {
        log.warn(
          { sopInstanceUid: record.sopInstanceUid, instanceId: record.id, version: record.version },
          'instance re-sent with different content: kept as a new version',
        );
      }
      log.info(
        {
          sopInstanceUid: record.sopInstanceUid,
          studyInstanceUid: record.studyInstanceUid,
          instanceId: record.id,
          transferSyntaxUid: record.transferSyntaxUid,
          size: record.size,
          source: record.source,
        },
        'instance stored',
      );
      if (announce) this.events.emitStored(record, instance.correlationId);
      return { outcome, record };
    } catch (error) {
      await this.blobs.discard(instance.staged.path).catch(() => undefined);
      // A blob this call created but could not index would be re-indexed at start-up for an
      // instance the sender was told failed: remove it so state matches the answer.
      if (committedKey) await this.blobs.remove(committedKey).catch(() => undefined);
      throw this.normalise(error);
    }
  }

  /**
   * The blob never reached its address (its sync or move failed) and the sender hears of the failure: a
   * record this call made must not point at nothing. Kept when the file is there after all (a
   * concurrent sender of the same content put it there and may be told Success on this record).
   */
  private async withdrawUnbacked(
    indexed: PromiseSettledResult<{ record: InstanceRecord; inserted: boolean }>,
    blobKey: string,
  ): Promise<void> {
    if (indexed.status !== 'fulfilled' || !indexed.value.inserted) return;
    if (await this.blobs.exists(blobKey)) return;
    await this.instances.remove(indexed.value.record.id).catch(() => undefined);
  }

  /** The instance's next version in the index (the first, unless this UID was received before). */
  private index(
    instance: StagedInstance,
    header: DatasetHeader,
    identity: InstanceIdentity,
    blobKey: string,
  ): Promise<{ record: InstanceRecord; inserted: boolean }> {
    const { staged } = instance;
    return this.instances.insertNextVersion(identity.sopInstanceUid, staged.sha256, (version, conflict) =>
      buildInstanceRecord(
        header,
        identity,
        {
          sha256: staged.sha256,
          blobKey,
          size: staged.totalBytes,
          transferSyntaxUid: instance.transferSyntaxUid,
          datasetOffset: staged.headerLength,
        },
        { receivedAt: instance.receivedAt, callingAeTitle: instance.callingAeTitle, source: instance.source, version, conflict },
      ),
    );
  }

  /** The header, and what is recognisably wrong with its pixel data (read from the first bitstream bytes). */
  private async readHeader(instance: StagedInstance): Promise<{ header: DatasetHeader; problem: PixelProblem | undefined }> {
    if (!TRANSFER_SYNTAX_PREFERENCE.includes(instance.transferSyntaxUid)) {
      throw new IngestException(
        IngestErrorCode.TransferSyntaxNotSupported,
        `transfer syntax ${instance.transferSyntaxUid} is not accepted`,
      );
    }
    const source = this.blobs.stagedSource(instance.staged);
    try {
      const header = await DatasetHeaderReader.read(
        source,
        instance.staged.headerLength,
        instance.transferSyntaxUid === TransferSyntax.ImplicitVrLittleEndian,
      );
      const first = header.pixelData?.fragments[0];
      const head = first && first.length > 0 ? await source.read(first.offset, Math.min(first.length, BITSTREAM_HEAD_BYTES)) : undefined;
      return { header, problem: pixelDataProblem(header, instance.transferSyntaxUid, this.config.dicom.maxImagePixels, head) };
    } finally {
      await source.close();
    }
  }

  private normalise(error: unknown): IngestException {
    if (error instanceof IngestException) return error;
    if (error instanceof DatasetParseError) return new IngestException(IngestErrorCode.Unreadable, error.message);
    return new IngestException(IngestErrorCode.StorageFailure, (error as Error).message ?? String(error));
  }
}

/** The promise's outcome, never a rejection: it may be awaited late without an unhandled rejection. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}
