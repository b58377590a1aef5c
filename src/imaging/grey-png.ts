import sharp from 'sharp';
import type { GreyPixels } from './grey-image';

/** An 8-bit greyscale PNG of a grey picture, its longer side fitted within `maxSize` (never enlarged). */
export async function greyPng(image: GreyPixels, maxSize?: number): Promise<Buffer> {
  let pipeline = sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
    raw: { width: image.width, height: image.height, channels: 1 },
  });
  if (maxSize !== undefined) pipeline = pipeline.resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true });
  // sharp turns a resized one-channel raw image into sRGB unless told to stay grey.
  return pipeline.toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
}
