import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { OSTEON_IMPLEMENTATION_CLASS_UID } from '../imaging/dicom-file.constants';
import { readPart10Header } from '../imaging/part10';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import { InstanceEvents } from './instance-events';
import { buildInstanceRecord } from './instance-record.factory';
import { validateEngineResult, validateInstance } from './instance-validation';
import { InstanceRepository } from './instance.repository';

/**
 * A crash leaves at most one unbacked record per instance in flight (one per association): more than this
 * means files went missing some other way (a data volume not mounted), which is an operator's to see, not
 * records to delete.
 */
const MAX_UNBACKED_RECORDS = 256;

/**
 * The blob store is the source of truth: at start-up every blob without an index record (a
 * crash between the two writes, or an in-memory database that was lost) is indexed again, and a
 * record whose file never reached the store (a crash while the file was synced: IngestService
 * indexes meanwhile, and the sender never heard Success) is removed.
 */
@Injectable()
export class ReindexService {
  private readonly logger = moduleLogger('reindex');

  constructor(
    private readonly blobs: BlobStoreRepository,
    private readonly instances: InstanceRepository,
    private readonly events: InstanceEvents,
  ) {}

  async reconcile(): Promise<{ scanned: number; reindexed: number; failed: number; unbacked: number }> {
    const indexed = await this.instances.indexedHashes();
    const stored = new Set<string>();
    let scanned = 0;
    let reindexed = 0;
    let failed = 0;
    for await (const blobKey of this.blobs.listKeys()) {
      scanned += 1;
      stored.add(BlobStoreRepository.shaOf(blobKey));
      if (indexed.has(BlobStoreRepository.shaOf(blobKey))) continue;
      try {
        await this.reindexBlob(blobKey);
        reindexed += 1;
      } catch (error) {
        failed += 1;
        this.logger.error({ blobKey, err: (error as Error).message }, 'blob could not be re-indexed');
      }
    }
    const unbacked = await this.removeUnbacked([...indexed].filter((sha256) => !stored.has(sha256)));
    this.logger.info({ scanned, reindexed, failed, unbacked }, 'blob store reconciled with index');
    return { scanned, reindexed, failed, unbacked };
  }

  /** Removes the records of content that is not in the store; returns how many. */
  private async removeUnbacked(missing: readonly string[]): Promise<number> {
    if (missing.length === 0) return 0;
    if (missing.length > MAX_UNBACKED_RECORDS) {
      this.logger.error(
        { records: missing.length },
        'index records whose files are missing: more than a crash leaves, kept (is the data directory complete?)',
      );
      return 0;
    }
    const records = await this.instances.findByHashes(missing);
    for (const record of records) {
      await this.instances.remove(record.id);
      this.logger.warn(
        { instanceId: record.id, sopInstanceUid: record.sopInstanceUid, blobKey: record.blobKey },
        'index record removed: its file never reached the store (an instance in flight at a crash, never acknowledged)',
      );
    }
    return records.length;
  }

  private async reindexBlob(blobKey: string): Promise<void> {
    const source = await this.blobs.open(blobKey);
    try {
      const { meta, header } = await readPart10Header(source);
      // Osteon's own results are indexed as such: never announced, so never analysed.
      const engineResult = meta.privateInformationCreatorUid === OSTEON_IMPLEMENTATION_CLASS_UID;
      const identity = engineResult ? validateEngineResult(header) : validateInstance(header, {});
      const { modifiedAt } = await this.blobs.stat(blobKey);
      const sha256 = BlobStoreRepository.shaOf(blobKey);
      const { record, inserted } = await this.instances.insertNextVersion(identity.sopInstanceUid, sha256, (version, conflict) =>
        buildInstanceRecord(
          header,
          identity,
          { sha256, blobKey, size: source.size, transferSyntaxUid: meta.transferSyntaxUid, datasetOffset: meta.datasetOffset },
          {
            receivedAt: modifiedAt,
            callingAeTitle: meta.sourceApplicationEntityTitle,
            source: engineResult ? 'engine' : 'reindex',
            version,
            conflict,
          },
        ),
      );
      if (inserted) {
        this.logger.info(
          { blobKey, sopInstanceUid: record.sopInstanceUid, instanceId: record.id, source: record.source },
          'instance re-indexed',
        );
        if (!engineResult) this.events.emitStored(record);
      }
    } finally {
      await source.close();
    }
  }
}
