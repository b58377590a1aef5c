import sharp from 'sharp';
import { letterboxGeometry } from '../imaging/preprocess';
import { heatmapPeak, type PeakMethod } from './heatmap-peak';

export interface HeatmapImage {
  /** Pixels of the PNG: the original image's aspect, longest side at most 256. */
  readonly width: number;
  readonly height: number;
  /** 8-bit greyscale PNG, 255 = probability 1, letterbox padding cropped away. */
  readonly png: Buffer;
  /** Where the map peaks (card's method), as a fraction of the original image's width and height. */
  readonly peak: { readonly x: number; readonly y: number };
}

const MAX_SIDE = 256;

/**
 * The model's heat map covers the letterboxed square; this maps it back onto the original
 * image. The peak follows the trainer's pointing game (first maximum, refined by the card's
 * method, undone letterbox), clamped to the image when the hottest cell lies in the padding.
 */
export async function renderHeatmap(
  cells: Float32Array,
  grid: { readonly height: number; readonly width: number },
  image: { readonly height: number; readonly width: number },
  peakMethod: PeakMethod = 'cell-centre',
): Promise<HeatmapImage> {
  const { side, padTop, padLeft } = letterboxGeometry(image.height, image.width);
  const { row, column } = heatmapPeak(cells, grid, peakMethod);
  const peak = {
    x: clamp01(((column * side) / grid.width - padLeft) / image.width),
    y: clamp01(((row * side) / grid.height - padTop) / image.height),
  };
  const scale = Math.min(1, MAX_SIDE / side);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1) {
    // Output pixel centre -> original image -> letterboxed square -> grid (cell centres at k + 0.5).
    const gy = ((((y + 0.5) / height) * image.height + padTop) / side) * grid.height - 0.5;
    for (let x = 0; x < width; x += 1) {
      const gx = ((((x + 0.5) / width) * image.width + padLeft) / side) * grid.width - 0.5;
      pixels[y * width + x] = Math.round(255 * clamp01(bilinear(cells, grid, gx, gy)));
    }
  }
  const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
  return { width, height, png, peak };
}

function bilinear(cells: Float32Array, grid: { height: number; width: number }, gx: number, gy: number): number {
  const x = Math.min(Math.max(gx, 0), grid.width - 1);
  const y = Math.min(Math.max(gy, 0), grid.height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, grid.width - 1);
  const y1 = Math.min(y0 + 1, grid.height - 1);
  const fx = x - x0;
  const fy = y - y0;
  const at = (row: number, column: number): number => cells[row * grid.width + column]!;
  return (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
