import sharp, { type OverlayOptions } from 'sharp';
import type { GreyPixels } from '../imaging/grey-image';
import { type ImageRegion, regionOutlineSvg } from '../imaging/region-outline';
import type { PdfThumbnail } from './patient-pdf.content';

/** Longest side of a thumbnail in pixels: sharp enough at ~240 pt on paper, a few tens of KB. */
const MAX_SIDE = 480;
/** Heat below this is left clear, so only the hot area is tinted. */
const HEAT_FLOOR = 0.35;
const MAX_OPACITY = 0.6;
/** The box in the heat's red, a line thick enough to see at ~240 pt. */
const BOX_OUTLINE = { colour: 'rgb(230,30,30)', widthShare: 1 / 160 };

/**
 * A JPEG thumbnail of the original image; with a heat map (8-bit grey PNG, 255 = probability 1,
 * any size with the image's aspect) the hot area is tinted red on top, and with a box (models
 * with a box head) it is outlined. Same input, same bytes.
 */
export async function renderThumbnail(image: GreyPixels, heatmapPng: Buffer | undefined, box?: ImageRegion): Promise<PdfThumbnail> {
  const { data: grey, info } = await sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    // sharp turns a resized one-channel raw image into sRGB unless told to stay grey.
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  if (!heatmapPng && !box) {
    const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } })
      .jpeg({ quality: 82 })
      .toBuffer();
    return { jpeg, width, height, highlighted: false };
  }
  const layers: OverlayOptions[] = [];
  if (heatmapPng) layers.push({ input: await heatOverlay(heatmapPng, width, height), raw: { width, height, channels: 4 } });
  if (box) layers.push({ input: regionOutlineSvg(width, height, box, BOX_OUTLINE), top: 0, left: 0 });
  const base = await sharp(grey, { raw: { width, height, channels: 1 } })
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  const jpeg = await sharp(base, { raw: { width, height, channels: 3 } })
    .composite(layers)
    .jpeg({ quality: 82 })
    .toBuffer();
  return { jpeg, width, height, highlighted: true };
}

/** RGBA: red, its opacity rising with the heat above the floor. */
async function heatOverlay(heatmapPng: Buffer, width: number, height: number): Promise<Buffer> {
  const heat = await sharp(heatmapPng).resize({ width, height, fit: 'fill' }).extractChannel(0).raw().toBuffer();
  const overlay = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    const strength = Math.max(0, (heat[i]! / 255 - HEAT_FLOOR) / (1 - HEAT_FLOOR));
    overlay[4 * i] = 230;
    overlay[4 * i + 1] = 30;
    overlay[4 * i + 2] = 30;
    overlay[4 * i + 3] = Math.round(255 * MAX_OPACITY * strength);
  }
  return overlay;
}
