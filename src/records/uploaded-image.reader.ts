import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { GreyImage } from '../dicom/image-to-dicom';

/** Reads ordinary images (JPEG/PNG) from the upload's file on disk. */
@Injectable()
export class UploadedImageReader {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Format and size from the file's header only: nothing is decoded. */
  async describe(filePath: string): Promise<{ format: string | undefined; width: number; height: number }> {
    const metadata = await sharp(filePath, { limitInputPixels: false }).metadata();
    return { format: metadata.format, width: metadata.width ?? 0, height: metadata.height ?? 0 };
  }

  /** Decodes to 8-bit grey, the way a digitiser would; libvips refuses more than the pixel limit itself too. */
  async readGrey(filePath: string): Promise<GreyImage & { format: string }> {
    const image = sharp(filePath, { failOn: 'error', limitInputPixels: this.config.dicom.maxImagePixels, sequentialRead: true });
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
