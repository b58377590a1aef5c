import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import { DicomScpChannel } from './dicom-scp.channel';
import { ReindexService } from './reindex.service';

/** Start-up order matters: clean staging, rebuild the index from blobs, then listen. */
@Injectable()
export class DicomLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('dicom');

  constructor(
    private readonly blobs: BlobStoreRepository,
    private readonly reindex: ReindexService,
    private readonly channel: DicomScpChannel,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const dropped = await this.blobs.initialise();
    if (dropped > 0) this.logger.warn({ dropped }, 'unacknowledged staging files from an earlier run removed');
    await this.reindex.reconcile();
    await this.channel.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.channel.stop();
  }
}
