import { Injectable } from '@nestjs/common';
import { InstanceRepository } from '../dicom/instance.repository';
import type { GreyPixels } from '../imaging/grey-image';
import { greyPng } from '../imaging/grey-png';
import { ImageService } from '../imaging/image.service';
import { ConsoleErrorCode, ConsoleException } from './console.exception';

/** A windowed 8-bit PNG of a stored image (the grey the model sees), at most `maxSize` on its longer side. */
@Injectable()
export class InstancePreviewService {
  constructor(
    private readonly instances: InstanceRepository,
    private readonly images: ImageService,
  ) {}

  async png(instanceId: string, maxSize: number): Promise<Buffer> {
    const record = await this.instances.findById(instanceId);
    if (!record) throw new ConsoleException(ConsoleErrorCode.InstanceNotFound, `instance ${instanceId} not found`);
    let grey: GreyPixels;
    try {
      grey = await this.images.greyOfStored(record.blobKey);
    } catch (error) {
      throw new ConsoleException(
        ConsoleErrorCode.InstanceUnrenderable,
        `instance ${instanceId} cannot be rendered: ${(error as Error).message}`,
      );
    }
    return greyPng(grey, maxSize);
  }
}
