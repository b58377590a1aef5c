import { decodeNative, decodeToGrey } from './dicom-pixel.decoder';
import { ImagingErrorCode, ImagingException } from './imaging.exception';
import type { PixelFrame, VoiWindow } from './pixel-frame';

/** A frame ready to show: 8-bit grey (one channel) or RGB (three, interleaved), row-major. */
export interface DisplayImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixels: Uint8Array;
}

/**
 * What a viewer shows for a frame: greyscale through the Modality LUT and a window (the reader's,
 * else the image's own), MONOCHROME1 inverted; 8-bit RGB as it is (Osteon's annotated captures).
 */
export function renderFrame(frame: PixelFrame, voi: VoiWindow | undefined): DisplayImage {
  const { attributes } = frame;
  if (attributes.samplesPerPixel === 1) {
    const grey = decodeToGrey(frame, voi);
    return { width: grey.width, height: grey.height, channels: 1, pixels: grey.pixels };
  }
  if (attributes.samplesPerPixel !== 3 || attributes.photometricInterpretation !== 'RGB' || attributes.bitsAllocated !== 8) {
    throw new ImagingException(
      ImagingErrorCode.UnsupportedPhotometric,
      `photometric interpretation ${attributes.photometricInterpretation} with ${attributes.samplesPerPixel} samples is not rendered`,
    );
  }
  const native = decodeNative(frame);
  const pixels = attributes.planarConfiguration === 1 ? interleave(native, attributes.rows * attributes.columns) : native;
  return { width: attributes.columns, height: attributes.rows, channels: 3, pixels };
}

/** R plane, G plane, B plane -> RGBRGB... */
function interleave(planar: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 3);
  for (let i = 0; i < count; i += 1) {
    out[3 * i] = planar[i]!;
    out[3 * i + 1] = planar[count + i]!;
    out[3 * i + 2] = planar[2 * count + i]!;
  }
  return out;
}
