import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { InstanceRepository } from '../dicom/instance.repository';
import { decodeToGrey, initialiseCodecs } from '../inference/dicom-pixel.decoder';
import { readPixelFrame } from '../inference/dicom-pixel.reader';
import type { GreyPixels } from '../inference/grey-image';
import { BlobStoreRepository } from '../storage/blob-store.repository';

/** Decodes a stored instance to display grey (the inference decoder: rescale, window, MONOCHROME1) and encodes a PNG. */
@Injectable()
export class InstancePreviewRepository {
  constructor(
    private readonly instances: InstanceRepository,
    private readonly blobs: BlobStoreRepository,
  ) {}

  /** `undefined` when no such instance is stored. */
  async greyImage(instanceId: string): Promise<GreyPixels | undefined> {
    const record = await this.instances.findById(instanceId);
    if (!record) return undefined;
    await initialiseCodecs();
    const source = await this.blobs.open(record.blobKey);
    try {
      return decodeToGrey(await readPixelFrame(source));
    } finally {
      await source.close();
    }
  }

  /** Fits the longer side within `maxSize` (never enlarges) and encodes an 8-bit greyscale PNG. */
  async png(image: GreyPixels, maxSize: number): Promise<Buffer> {
    return sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
      raw: { width: image.width, height: image.height, channels: 1 },
    })
      .resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true })
      .toColourspace('b-w')
      .png({ compressionLevel: 6 })
      .toBuffer();
  }
}
