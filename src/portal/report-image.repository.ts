import { Injectable } from '@nestjs/common';
import { decodeToGrey, initialiseCodecs } from '../inference/dicom-pixel.decoder';
import { readPixelFrame } from '../inference/dicom-pixel.reader';
import type { GreyPixels } from '../inference/grey-image';
import type { AnalysedImage } from '../reports/findings';
import { HeatmapRepository } from '../reports/heatmap.repository';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import { PortalErrorCode, PortalException } from './portal.exception';

/** Reads a report's original images (blob store, decoded to display grey) and heat maps. */
@Injectable()
export class ReportImageRepository {
  constructor(
    private readonly blobs: BlobStoreRepository,
    private readonly heatmaps: HeatmapRepository,
  ) {}

  async original(image: AnalysedImage): Promise<GreyPixels> {
    try {
      await initialiseCodecs();
      const source = await this.blobs.open(image.blobKey);
      try {
        return decodeToGrey(await readPixelFrame(source));
      } finally {
        await source.close();
      }
    } catch (error) {
      throw new PortalException(PortalErrorCode.ImageUnreadable, `instance ${image.instanceId}: ${(error as Error).message}`);
    }
  }

  async heatmap(image: AnalysedImage): Promise<Buffer> {
    const png = image.heatmapId ? await this.heatmaps.find(image.heatmapId) : undefined;
    if (!png) throw new PortalException(PortalErrorCode.ImageUnreadable, `heat map of instance ${image.instanceId} not found`);
    return png;
  }
}
