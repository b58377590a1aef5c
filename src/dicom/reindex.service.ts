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
 * The blob store is the source of truth: at start-up every blob without an index record (a
 * crash between the two writes, or an in-memory database that was lost) is indexed again.
 */
@Injectable()
export class ReindexService {
  private readonly logger = moduleLogger('reindex');

  constructor(
    private readonly blobs: BlobStoreRepository,
    private readonly instances: InstanceRepository,
    private readonly events: InstanceEvents,
  ) {}

  async reconcile(): Promise<{ scanned: number; reindexed: number; failed: number }> {
    const indexed = await this.instances.indexedHashes();
    let scanned = 0;
    let reindexed = 0;
    let failed = 0;
    for await (const blobKey of this.blobs.listKeys()) {
      scanned += 1;
      if (indexed.has(BlobStoreRepository.shaOf(blobKey))) continue;
      try {
        await this.reindexBlob(blobKey);
        reindexed += 1;
      } catch (error) {
        failed += 1;
        this.logger.error({ blobKey, err: (error as Error).message }, 'blob could not be re-indexed');
      }
    }
    this.logger.info({ scanned, reindexed, failed }, 'blob store reconciled with index');
    return { scanned, reindexed, failed };
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
