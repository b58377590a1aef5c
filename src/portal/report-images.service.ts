import { Injectable } from '@nestjs/common';
import type { GreyPixels } from '../imaging/grey-image';
import { ImageService } from '../imaging/image.service';
import type { AnalysedImage } from '../reports/findings';
import { HeatmapRepository } from '../reports/heatmap.repository';
import { PortalErrorCode, PortalException } from './portal.exception';

/** A report's original images (decoded to display grey in the pixel worker) and heat maps, for the patient PDF. */
@Injectable()
export class ReportImagesService {
  constructor(
    private readonly images: ImageService,
    private readonly heatmaps: HeatmapRepository,
  ) {}

  async original(image: AnalysedImage): Promise<GreyPixels> {
    try {
      return await this.images.greyOfStored(image.blobKey);
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
