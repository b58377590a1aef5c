import sharp, { type Sharp } from 'sharp';
import type { GreyPixels } from './grey-image';
import { ImagingErrorCode, ImagingException } from './imaging.exception';

/**
 * Decodes a JPEG or PNG to the grey the model was trained on: Pillow's `convert("L")`.
 * A greyscale file is used as is; colour uses Pillow's fixed-point ITU-R 601-2 luma
 * (L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16); alpha is dropped. Both were checked
 * byte-identical to Pillow 9.4 on greyscale and colour JPEG and PNG.
 */
export async function decodeImageFile(bytes: Buffer): Promise<GreyPixels> {
  try {
    const image = sharp(bytes, { failOn: 'error' });
    const { channels, space, depth } = await image.metadata();
    if (channels === undefined) throw new Error('unknown channel count');
    if (depth !== 'uchar') return await highBytes(image);
    if (channels <= 2 || space === 'b-w') {
      const { data, info } = await image.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, pixels: exactBytes(data) };
    }
    const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(info.width * info.height);
    for (let i = 0, j = 0; i < pixels.length; i += 1, j += info.channels) {
      pixels[i] = (data[j]! * 19595 + data[j + 1]! * 38470 + data[j + 2]! * 7471 + 0x8000) >>> 16;
    }
    return { width: info.width, height: info.height, pixels };
  } catch (error) {
    if (error instanceof ImagingException) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImagingException(ImagingErrorCode.ImageUnreadable, `image could not be decoded: ${reason}`);
  }
}

/**
 * 16-bit PNG: Pillow would clip to 255 (useless); the full range is kept by taking the high
 * byte of the greyscale value instead.
 */
async function highBytes(image: Sharp): Promise<GreyPixels> {
  const { data, info } = await image
    .toColourspace('grey16')
    .extractChannel(0)
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const count = info.width * info.height;
  const pixels = new Uint8Array(count);
  for (let i = 0; i < count; i += 1) pixels[i] = data.readUInt16LE(2 * i) >>> 8;
  return { width: info.width, height: info.height, pixels };
}

function exactBytes(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
