import sharp from 'sharp';
import type { GreyPixels } from '../imaging/grey-image';
import type { PdfThumbnail } from './patient-pdf.content';

/** Longest side of a thumbnail in pixels: sharp enough at ~240 pt on paper, a few tens of KB. */
const MAX_SIDE = 480;
/** Heat below this is left clear, so only the hot area is tinted. */
const HEAT_FLOOR = 0.35;
const MAX_OPACITY = 0.6;

/**
 * A JPEG thumbnail of the original image; with a heat map (8-bit grey PNG, 255 = probability 1,
 * any size with the image's aspect) the hot area is tinted red on top. Same input, same bytes.
 */
export async function renderThumbnail(image: GreyPixels, heatmapPng: Buffer | undefined): Promise<PdfThumbnail> {
  const { data: grey, info } = await sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    // sharp turns a resized one-channel raw image into sRGB unless told to stay grey.
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  if (!heatmapPng) {
    const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } })
      .jpeg({ quality: 82 })
      .toBuffer();
    return { jpeg, width, height, highlighted: false };
  }
  const heat = await sharp(heatmapPng).resize({ width, height, fit: 'fill' }).extractChannel(0).raw().toBuffer();
  const overlay = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    const strength = Math.max(0, (heat[i]! / 255 - HEAT_FLOOR) / (1 - HEAT_FLOOR));
    overlay[4 * i] = 230;
    overlay[4 * i + 1] = 30;
    overlay[4 * i + 2] = 30;
    overlay[4 * i + 3] = Math.round(255 * MAX_OPACITY * strength);
  }
  const base = await sharp(grey, { raw: { width, height, channels: 1 } })
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const jpeg = await sharp(base, { raw: { width, height, channels: 3 } })
    .composite([{ input: overlay, raw: { width, height, channels: 4 } }])
    .jpeg({ quality: 82 })
    .toBuffer();
  return { jpeg, width, height, highlighted: true };
}
