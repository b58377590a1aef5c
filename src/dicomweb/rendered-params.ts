/** Query parameters of WADO-RS `/rendered` and `/thumbnail` (PS3.18 8.3.5.1). Pure; a bad one is a 400 naming it. */

import { InvalidInputException } from '../common/invalid-input.exception';
import type { VoiWindow } from '../imaging/pixel-frame';

export interface RenderedParams {
  readonly window: VoiWindow | undefined;
  readonly viewport:
    | {
        readonly width: number;
        readonly height: number;
        readonly region?: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
      }
    | undefined;
  readonly quality: number | undefined;
}

type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

/** The largest side a rendering may ask for. */
const MAX_VIEWPORT = 8192;

export function parseRenderedParams(raw: RawQuery): RenderedParams {
  return { window: windowOf(raw.window), viewport: viewportOf(raw.viewport), quality: qualityOf(raw.quality) };
}

function single(name: string, value: string | string[]): string {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new InvalidInputException(`${name} is given more than once`);
    return value[0] ?? '';
  }
  return value;
}

function windowOf(value: string | string[] | undefined): VoiWindow | undefined {
  if (value === undefined) return undefined;
  const [center, width, fn = 'linear', ...rest] = single('window', value)
    .split(',')
    .map((part) => part.trim());
  const c = Number(center);
  const w = Number(width);
  const fnName = fn.toLowerCase();
  if (rest.length > 0 || center === '' || width === '' || !Number.isFinite(c) || !Number.isFinite(w) || w <= 0) {
    throw new InvalidInputException('window must be center,width[,function] with a width above 0');
  }
  if (fnName !== 'linear' && fnName !== 'linear-exact' && fnName !== 'sigmoid') {
    throw new InvalidInputException('window function must be linear, linear-exact or sigmoid');
  }
  return { center: c, width: w, function: fnName };
}

function viewportOf(value: string | string[] | undefined): RenderedParams['viewport'] {
  if (value === undefined) return undefined;
  const parts = single('viewport', value)
    .split(',')
    .map((part) => part.trim());
  const numbers = parts.map((part) => (/^\d+$/.test(part) ? Number.parseInt(part, 10) : Number.NaN));
  const [width, height, left, top, regionWidth, regionHeight] = numbers;
  const sized = (parts.length === 2 || parts.length === 6) && numbers.every(Number.isFinite);
  if (!sized || !width || !height || width > MAX_VIEWPORT || height > MAX_VIEWPORT) {
    throw new InvalidInputException(`viewport must be width,height[,left,top,regionWidth,regionHeight] in whole pixels, 1-${MAX_VIEWPORT}`);
  }
  if (parts.length === 2) return { width, height };
  if (!regionWidth || !regionHeight) throw new InvalidInputException('viewport region width and height must be above 0');
  return { width, height, region: { left: left ?? 0, top: top ?? 0, width: regionWidth, height: regionHeight } };
}

function qualityOf(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = single('quality', value);
  const quality = /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
  if (!(quality >= 1 && quality <= 100)) throw new InvalidInputException('quality must be a whole number from 1 to 100');
  return quality;
}
