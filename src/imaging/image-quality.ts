import type { GreyPixels } from './grey-image';

/** What the image-quality gate looks at, measured on the display grey (0..255) the model would see. */
export interface ImageQuality {
  readonly width: number;
  readonly height: number;
  /** 99th minus 1st percentile of the grey values: 0 for a blank image. */
  readonly dynamicRange: number;
  /** Share of pixels within ±2 grey levels of the commonest value: 1 for a (nearly) uniform image. */
  readonly dominantShare: number;
  /**
   * Correlation of neighbouring pixels on the image shrunk to at most 256 px (area average):
   * anatomy is smooth at that scale (close to 1), noise is not (close to 0).
   */
  readonly neighbourCorrelation: number;
  /**
   * Mean absolute Laplacian of the shrunk image, in grey levels: edges and texture. A smooth ramp
   * or a flat field has none; bones, joints and soft-tissue borders do.
   */
  readonly detail: number;
}

const SHRUNK_SIDE = 256;

/** Area-average shrink to at most SHRUNK_SIDE on the longer side (whole-pixel boxes, no letterbox). */
function shrink(image: GreyPixels): { width: number; height: number; values: Float64Array } {
  const factor = Math.max(1, Math.ceil(Math.max(image.width, image.height) / SHRUNK_SIDE));
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const values = new Float64Array(width * height);
  for (let y = 0; y < height * factor; y += 1) {
    const row = y * image.width;
    const target = Math.floor(y / factor) * width;
    for (let x = 0; x < width * factor; x += 1) values[target + Math.floor(x / factor)]! += image.pixels[row + x]!;
  }
  const area = factor * factor;
  for (let i = 0; i < values.length; i += 1) values[i]! /= area;
  return { width, height, values };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>, count: number): number {
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < count; i += 1) {
    sumA += a[i]!;
    sumB += b[i]!;
  }
  const meanA = sumA / count;
  const meanB = sumB / count;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < count; i += 1) {
    const da = a[i]! - meanA;
    const db = b[i]! - meanB;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  return varianceA > 0 && varianceB > 0 ? covariance / Math.sqrt(varianceA * varianceB) : 0;
}

function detailOf(shrunk: { width: number; height: number; values: Float64Array }): number {
  const { width, height, values } = shrunk;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const at = y * width + x;
      sum += Math.abs(4 * values[at]! - values[at - 1]! - values[at + 1]! - values[at - width]! - values[at + width]!);
    }
  }
  return sum / ((width - 2) * (height - 2));
}

/** Neighbour pairs (right and below) of the shrunk image, correlated. */
function neighbourCorrelationOf(shrunk: { width: number; height: number; values: Float64Array }): number {
  const { width, height, values } = shrunk;
  if (width < 2 || height < 2) return 0;
  const first: number[] = [];
  const second: number[] = [];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const here = values[y * width + x]!;
      if (x + 1 < width) {
        first.push(here);
        second.push(values[y * width + x + 1]!);
      }
      if (y + 1 < height) {
        first.push(here);
        second.push(values[(y + 1) * width + x]!);
      }
    }
  }
  return correlation(first, second, first.length);
}

/** The gate's measurements of one decoded image (one pass for the histogram, one over the shrunk image). */
export function measureImageQuality(image: GreyPixels): ImageQuality {
  const histogram = new Float64Array(256);
  for (let i = 0; i < image.pixels.length; i += 1) histogram[image.pixels[i]!]! += 1;
  const total = image.pixels.length;
  const percentile = (fraction: number): number => {
    let seen = 0;
    for (let value = 0; value < 256; value += 1) {
      seen += histogram[value]!;
      if (seen >= fraction * total) return value;
    }
    return 255;
  };
  let dominant = 0;
  for (let value = 0; value < 256; value += 1) {
    let window = 0;
    for (let near = Math.max(0, value - 2); near <= Math.min(255, value + 2); near += 1) window += histogram[near]!;
    dominant = Math.max(dominant, window);
  }
  const shrunk = shrink(image);
  return {
    width: image.width,
    height: image.height,
    dynamicRange: percentile(0.99) - percentile(0.01),
    dominantShare: total > 0 ? dominant / total : 1,
    neighbourCorrelation: neighbourCorrelationOf(shrunk),
    detail: detailOf(shrunk),
  };
}
