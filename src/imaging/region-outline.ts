/** A rectangle on an image, corners as fractions of its width and height (0..1). */
export interface ImageRegion {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface OutlineStyle {
  /** CSS colour of the line. */
  readonly colour: string;
  /** Line width as a share of the image's longer side (at least one pixel). */
  readonly widthShare: number;
}

/**
 * An SVG (the image's size, transparent) with the region's outline, for sharp to composite on
 * top of a rendered image. The line is drawn inside the region, so a box at the image's edge
 * keeps all four sides visible.
 */
export function regionOutlineSvg(width: number, height: number, region: ImageRegion, style: OutlineStyle): Buffer {
  const line = Math.max(1, Math.round(Math.max(width, height) * style.widthShare));
  const left = clampTo(region.x0 * width, width);
  const top = clampTo(region.y0 * height, height);
  const right = clampTo(region.x1 * width, width);
  const bottom = clampTo(region.y1 * height, height);
  const inset = line / 2;
  const rectWidth = Math.max(0, right - left - line);
  const rectHeight = Math.max(0, bottom - top - line);
  const rect = `<rect x="${(left + inset).toFixed(1)}" y="${(top + inset).toFixed(1)}" width="${rectWidth.toFixed(1)}" height="${rectHeight.toFixed(1)}" fill="none" stroke="${style.colour}" stroke-width="${line}"/>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rect}</svg>`);
}

function clampTo(value: number, limit: number): number {
  return Math.min(limit, Math.max(0, value));
}
