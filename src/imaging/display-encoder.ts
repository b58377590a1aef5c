import sharp from 'sharp';
import type { DisplayImage } from './display-image';

export interface EncodeOptions {
  readonly type: 'image/jpeg' | 'image/png';
  /** Fit inside this many pixels (never enlarged); the whole image when absent. */
  readonly width?: number;
  readonly height?: number;
  /** A source region to show, in image pixels (column, row, width, height). */
  readonly region?: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
  /** JPEG quality 1-100. */
  readonly quality?: number;
}

/** A rendered frame as JPEG or PNG (libvips works on its own threads, off the event loop). */
export async function encodeDisplayImage(image: DisplayImage, options: EncodeOptions): Promise<Buffer> {
  let pipeline = sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });
  if (options.region) pipeline = pipeline.extract(options.region);
  if (options.width !== undefined || options.height !== undefined) {
    pipeline = pipeline.resize({ width: options.width, height: options.height, fit: 'inside', withoutEnlargement: true });
  }
  // sharp turns a one-channel raw image into sRGB when resizing unless told to stay grey.
  if (image.channels === 1) pipeline = pipeline.toColourspace('b-w');
  return options.type === 'image/png'
    ? pipeline.png({ compressionLevel: 6 }).toBuffer()
    : pipeline.jpeg({ quality: options.quality ?? 90, chromaSubsampling: image.channels === 1 ? '4:4:4' : '4:2:0' }).toBuffer();
}
