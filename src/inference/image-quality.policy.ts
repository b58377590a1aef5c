import type { ImageQuality } from '../imaging/image-quality';

export type QualityGateVerdict = { readonly applicable: true } | { readonly applicable: false; readonly reason: string };

/**
 * Limits of the image-quality gate. Measured on all 3,473 radiographs of the FracAtlas development
 * split (`npm run measure-quality-gate -- --images <dir>`, 2026-12): smallest side 181 px, aspect
 * at most 2.51, dynamic range (p99 - p1) 78-248, dominant share 0.04-0.83, neighbour correlation
 * 0.81-1.00, detail 1.37-17.8. Each limit sits well outside what a real radiograph there showed
 * (about half its extreme, or further), so the gate refuses none of them (0 of 3,473) and still
 * catches blank, flat, noise, ramp, stripe and sliver images, which fall far beyond the limits.
 */
export const QUALITY_LIMITS = {
  /** Shortest side in pixels: a thumbnail or a line has no anatomy for the model. */
  minSide: 64,
  /** Longest side / shortest side. */
  maxAspect: 6,
  /** Grey levels between the 1st and 99th percentile: blank and nearly uniform images have few. */
  minDynamicRange: 32,
  /** Share of pixels within ±2 levels of the commonest value. */
  maxDominantShare: 0.95,
  /** Neighbouring pixels of a (shrunk) radiograph are alike; noise is not. */
  minNeighbourCorrelation: 0.5,
  /** Edges and texture (mean |Laplacian|): a smooth ramp has none, static has far more than any radiograph. */
  minDetail: 0.5,
  maxDetail: 40,
} as const;

/** Whether the model may score this image; the reason names the measurement and its limit. */
export function qualityGateVerdict(quality: ImageQuality, limits = QUALITY_LIMITS): QualityGateVerdict {
  const refuse = (reason: string): QualityGateVerdict => ({ applicable: false, reason });
  const shortSide = Math.min(quality.width, quality.height);
  const aspect = Math.max(quality.width, quality.height) / Math.max(1, shortSide);
  if (shortSide < limits.minSide)
    return refuse(`image is ${quality.width}x${quality.height}: too small for the model (under ${limits.minSide} px)`);
  if (aspect > limits.maxAspect)
    return refuse(`image is ${quality.width}x${quality.height}: a sliver, not a radiograph (aspect ${aspect.toFixed(1)})`);
  if (quality.dynamicRange < limits.minDynamicRange)
    return refuse(
      `image is blank or nearly uniform (grey range ${quality.dynamicRange} of 255, a radiograph has at least ${limits.minDynamicRange})`,
    );
  if (quality.dominantShare > limits.maxDominantShare)
    return refuse(`image is almost one flat grey (${(quality.dominantShare * 100).toFixed(0)} % of pixels at one level)`);
  if (quality.neighbourCorrelation < limits.minNeighbourCorrelation)
    return refuse(`image looks like noise, not anatomy (neighbour correlation ${quality.neighbourCorrelation.toFixed(2)})`);
  if (quality.detail < limits.minDetail) return refuse(`image has no edges or structure (detail ${quality.detail.toFixed(2)})`);
  if (quality.detail > limits.maxDetail)
    return refuse(`image is far outside what the model was trained on (detail ${quality.detail.toFixed(1)})`);
  return { applicable: true };
}
