import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import type { GreyImage } from '../dicom/image-to-dicom';

/** Decodes an ordinary image (JPEG/PNG) to 8-bit grey, the way a digitiser would. */
@Injectable()
export class UploadedImageReader {
  async readGrey(bytes: Buffer): Promise<GreyImage & { format: string }> {
    const image = sharp(bytes, { failOn: 'error' });
    const metadata = await image.metadata();
    if (metadata.format !== 'jpeg' && metadata.format !== 'png')
      throw new Error(`unsupported image format ${metadata.format ?? 'unknown'}`);
    const { data, info } = await image.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new Error('could not reduce the image to one grey channel');
    return {
      width: info.width,
      height: info.height,
      pixels: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
      lossySource: metadata.format === 'jpeg',
      format: metadata.format,
    };
  }
}
