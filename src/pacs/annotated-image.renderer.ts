import sharp from 'sharp';
import type { GreyPixels } from '../imaging/grey-image';
import { type ImageRegion, regionOutlineSvg } from '../imaging/region-outline';
import { PacsErrorCode, PacsException } from './pacs.exception';

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB, 8 bits a sample (PlanarConfiguration 0). */
  readonly pixels: Uint8Array;
}

export interface Annotation {
  /** Burned into a banner at the top: the verdict, a legend of the marks drawn, the disclaimer. */
  readonly banner: { readonly verdict: string; readonly disclaimer: string };
  /** Greyscale PNG, 255 = probability 1, the original's aspect; drawn only when given. */
  readonly heatmapPng: Buffer | undefined;
  /** The model's top fracture box (models with a box head); outlined when given. */
  readonly box?: ImageRegion;
}

/** A derived image need not be larger than a viewer shows it; the original stays in the PACS. */
const MAX_SIDE = 2048;
/** Heat below this share of the map's range is left uncoloured: the overlay marks a region. */
const HEAT_FLOOR = 0.5;
const MAX_OPACITY = 0.6;
const BANNER_INK = { r: 255, g: 221, b: 0 };
/** Cyan stands apart from the yellow-to-red heat and from bone grey. */
const BOX_OUTLINE = { colour: 'rgb(0,230,255)', widthShare: 1 / 300 };

/** The original in grey, the heat map as a yellow-to-red overlay, the box outlined, and the banner on top. */
export async function renderAnnotatedImage(grey: GreyPixels, annotation: Annotation): Promise<RgbImage> {
  const scale = Math.min(1, MAX_SIDE / Math.max(grey.width, grey.height));
  const width = Math.max(1, Math.round(grey.width * scale));
  const height = Math.max(1, Math.round(grey.height * scale));
  const base =
    scale === 1
      ? Buffer.from(grey.pixels.buffer, grey.pixels.byteOffset, grey.pixels.byteLength)
      : await sharp(Buffer.from(grey.pixels.buffer, grey.pixels.byteOffset, grey.pixels.byteLength), {
          raw: { width: grey.width, height: grey.height, channels: 1 },
        })
          .resize(width, height)
          .raw()
          .toBuffer();
  const heat = annotation.heatmapPng
    ? await sharp(annotation.heatmapPng).toColourspace('b-w').resize(width, height, { fit: 'fill' }).extractChannel(0).raw().toBuffer()
    : undefined;
  // Stretched to the map's own range, as class-activation maps are shown: the hottest region
  // stands out however confident the model is; a flat map (no region) draws nothing.
  let low = 255;
  let high = 0;
  for (let i = 0; heat && i < heat.length; i += 1) {
    low = Math.min(low, heat[i]!);
    high = Math.max(high, heat[i]!);
  }
  const range = high - low;
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i += 1) {
    const g = base[i]!;
    const h = heat && range > 2 ? (heat[i]! - low) / range : 0;
    const alpha = h > HEAT_FLOOR ? MAX_OPACITY * ((h - HEAT_FLOOR) / (1 - HEAT_FLOOR)) : 0;
    // Yellow at the edge of the region, red at its peak.
    const overlayGreen = 255 * (1 - (h - HEAT_FLOOR) / (1 - HEAT_FLOOR));
    rgb[3 * i] = Math.round(g * (1 - alpha) + 255 * alpha);
    rgb[3 * i + 1] = Math.round(g * (1 - alpha) + overlayGreen * alpha);
    rgb[3 * i + 2] = Math.round(g * (1 - alpha));
  }
  const legend = marksLegend({ heatmap: heat !== undefined && range > 2, box: annotation.box !== undefined });
  const banner = await renderBanner([annotation.banner.verdict, ...(legend ? [legend] : []), annotation.banner.disclaimer], width);
  const layers = [
    ...(annotation.box ? [{ input: regionOutlineSvg(width, height, annotation.box, BOX_OUTLINE), top: 0, left: 0 }] : []),
    { input: banner.png, top: 0, left: 0 },
  ];
  const composed = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .composite(layers)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (composed.info.channels !== 3) throw new Error(`composited image has ${composed.info.channels} channels`);
  return { width, height, pixels: new Uint8Array(composed.data.buffer, composed.data.byteOffset, composed.data.byteLength) };
}

/**
 * Names the marks actually drawn: the box and the heat map can point at different places, so a reader
 * must know which is which; a flat heat map draws nothing and is not named.
 */
export function marksLegend(drawn: { heatmap: boolean; box: boolean }): string | undefined {
  const parts = [...(drawn.box ? ["cyan box: AI's most likely spot"] : []), ...(drawn.heatmap ? ['yellow-red: AI heat map'] : [])];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * Text through librsvg with the system's fonts. Without any font librsvg draws nothing, and
 * an AI image without its "not a diagnosis" line must not reach the PACS: that is an error.
 */
async function renderBanner(lines: readonly string[], width: number): Promise<{ png: Buffer }> {
  const fontSize = Math.max(10, Math.floor(width / 30));
  const lineHeight = Math.round(fontSize * 1.3);
  const height = lineHeight * lines.length + Math.round(fontSize * 0.5);
  const fill = `rgb(${BANNER_INK.r},${BANNER_INK.g},${BANNER_INK.b})`;
  const text = lines
    .map(
      (line, k) =>
        `<text x="${Math.round(fontSize * 0.4)}" y="${lineHeight * (k + 1)}" font-family="DejaVu Sans, Liberation Sans, Noto Sans, sans-serif" font-size="${fontSize}" fill="${fill}">${escapeXml(line)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="black" fill-opacity="0.75"/>${text}</svg>`;
  const rendered = sharp(Buffer.from(svg));
  const { data } = await rendered.clone().raw().toBuffer({ resolveWithObject: true });
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! > 128 && data[i + 1]! > 128 && data[i + 2]! < 100) ink += 1;
  if (ink === 0)
    throw new PacsException(PacsErrorCode.BannerUnrenderable, 'banner text rendered empty: no usable font (install fonts-dejavu-core)');
  return { png: await rendered.png().toBuffer() };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
