import { ImagingErrorCode, ImagingException } from './imaging.exception';

/** Image Pixel module attributes the decoder needs (PS3.3 C.7.6.3). */
export interface PixelAttributes {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly photometricInterpretation: string;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: number;
  readonly numberOfFrames: number;
  /** 0: RGBRGB..., 1: RRR...GGG...BBB... (colour only). */
  readonly planarConfiguration: number;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly windowCenter: number | undefined;
  readonly windowWidth: number | undefined;
}

/** A window chosen by the reader (DICOMweb `window=`), replacing the image's own VOI (PS3.3 C.11.2.1). */
export interface VoiWindow {
  readonly center: number;
  readonly width: number;
  readonly function: 'linear' | 'linear-exact' | 'sigmoid';
}

/** One frame of an instance: native bytes, or one encapsulated bitstream. */
export interface PixelFrame {
  readonly transferSyntaxUid: string;
  readonly attributes: PixelAttributes;
  readonly data: Uint8Array;
  readonly bodyPartExamined: string | undefined;
}

const MONOCHROME = new Set(['MONOCHROME1', 'MONOCHROME2']);

/** Radiographs are one greyscale sample of 8 or 16 bits; anything else is refused clearly. */
export function assertDecodable(attributes: PixelAttributes): void {
  const { rows, columns, samplesPerPixel, photometricInterpretation, bitsAllocated, bitsStored } = attributes;
  if (!(rows > 0 && columns > 0)) {
    throw new ImagingException(ImagingErrorCode.InvalidPixelData, `image size ${columns}x${rows} is empty`);
  }
  if (samplesPerPixel !== 1 || !MONOCHROME.has(photometricInterpretation)) {
    throw new ImagingException(
      ImagingErrorCode.UnsupportedPhotometric,
      `photometric interpretation ${photometricInterpretation} with ${samplesPerPixel} samples per pixel is not greyscale`,
    );
  }
  if ((bitsAllocated !== 8 && bitsAllocated !== 16) || bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new ImagingException(
      ImagingErrorCode.UnsupportedBitDepth,
      `${bitsStored} bits stored in ${bitsAllocated} allocated is not supported`,
    );
  }
  if (attributes.rescaleSlope === 0) throw new ImagingException(ImagingErrorCode.InvalidPixelData, 'Rescale Slope is zero');
}

/** Bytes of one native (uncompressed) frame. */
export function frameByteLength(attributes: PixelAttributes): number {
  return attributes.rows * attributes.columns * attributes.samplesPerPixel * (attributes.bitsAllocated / 8);
}
