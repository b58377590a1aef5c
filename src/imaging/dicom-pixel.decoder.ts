import { Context, NativeCodecs } from 'dcmjs-codecs';
import { TransferSyntax } from './dicom-file.constants';
import type { GreyPixels } from './grey-image';
import { ImagingErrorCode, ImagingException } from './imaging.exception';
import { assertDecodable, frameByteLength, type PixelAttributes, type PixelFrame, type VoiWindow } from './pixel-frame';

let codecsReady: Promise<void> | undefined;

/** Loads the WASM codecs once per thread (about 80 ms); decoding compressed frames needs it. */
export function initialiseCodecs(): Promise<void> {
  codecsReady ??= NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
  return codecsReady;
}

/**
 * Loads the codecs only when the frame is compressed. Loaded, they hold ~28 MB of WASM memory for
 * the thread's lifetime; a department whose modalities send uncompressed images never needs them.
 */
export async function initialiseCodecsFor(frame: PixelFrame): Promise<void> {
  if (compressed(frame.transferSyntaxUid)) await initialiseCodecs();
}

function compressed(transferSyntaxUid: string): boolean {
  try {
    return codecFor(transferSyntaxUid) !== 'native';
  } catch {
    // Not decodable: decompress() says so with the right error; no codec would help.
    return false;
  }
}

/**
 * Decodes the first frame to display grey 0..255: stored values (masked to Bits Stored,
 * sign-extended when signed) -> Modality LUT (rescale) -> VOI (the first Window Center/Width,
 * else the image's min..max) -> inverted for MONOCHROME1. Each possible stored value is
 * mapped once through a lookup table.
 */
export function decodeToGrey(frame: PixelFrame, voi?: VoiWindow): GreyPixels {
  const { attributes } = frame;
  assertDecodable(attributes);
  const native = decompress(frame);
  const expected = frameByteLength(attributes);
  if (native.length !== expected) {
    throw new ImagingException(ImagingErrorCode.InvalidPixelData, `decoded frame is ${native.length} bytes, expected ${expected}`);
  }
  const lut = displayLut(native, attributes, voi);
  return { width: attributes.columns, height: attributes.rows, pixels: throughLut(native, attributes, lut) };
}

/** The frame's native (uncompressed) bytes, as Pixel Data in Explicit VR Little Endian would hold them. */
export function decodeNative(frame: PixelFrame): Uint8Array {
  const native = decompress(frame);
  const expected = frameByteLength(frame.attributes);
  if (native.length !== expected) {
    throw new ImagingException(ImagingErrorCode.InvalidPixelData, `decoded frame is ${native.length} bytes, expected ${expected}`);
  }
  return native;
}

function decompress(frame: PixelFrame): Uint8Array {
  const codec = codecFor(frame.transferSyntaxUid);
  if (codec === 'native') return frame.data;
  if (!NativeCodecs.isInitialized()) throw new Error('initialiseCodecs() must finish before decoding compressed pixel data');
  const { attributes } = frame;
  const context = new Context({
    width: attributes.columns,
    height: attributes.rows,
    bitsAllocated: attributes.bitsAllocated,
    bitsStored: attributes.bitsStored,
    samplesPerPixel: attributes.samplesPerPixel,
    pixelRepresentation: attributes.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: attributes.photometricInterpretation,
    encodedBuffer: frame.data,
  });
  try {
    const decoded = decodeWith(codec, context).getDecodedBuffer();
    if (!decoded || decoded.length === 0) throw new Error('the codec returned no pixels');
    return decoded;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImagingException(ImagingErrorCode.DecodeFailed, `${frame.transferSyntaxUid}: ${reason}`);
  }
}

type Codec = 'native' | 'jpeg' | 'jpeg-ls' | 'jpeg2000' | 'rle';

function codecFor(transferSyntaxUid: string): Codec {
  switch (transferSyntaxUid) {
    case TransferSyntax.ImplicitVrLittleEndian:
    case TransferSyntax.ExplicitVrLittleEndian:
      return 'native';
    case TransferSyntax.JpegBaseline:
    case TransferSyntax.JpegLosslessSv1:
      return 'jpeg';
    case TransferSyntax.JpegLsLossless:
      return 'jpeg-ls';
    case TransferSyntax.Jpeg2000Lossless:
    case TransferSyntax.Jpeg2000:
      return 'jpeg2000';
    case TransferSyntax.RleLossless:
      return 'rle';
    default:
      throw new ImagingException(ImagingErrorCode.UnsupportedTransferSyntax, `transfer syntax ${transferSyntaxUid} is not decoded`);
  }
}

function decodeWith(codec: Exclude<Codec, 'native'>, context: Context): Context {
  switch (codec) {
    case 'jpeg':
      return NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false });
    case 'jpeg-ls':
      return NativeCodecs.decodeJpegLs(context);
    case 'jpeg2000':
      return NativeCodecs.decodeJpeg2000(context);
    case 'rle':
      return NativeCodecs.decodeRle(context);
  }
}

/**
 * How to read stored values (PS3.5 8.1.1): the Bits Stored pattern of each sample (bits above
 * High Bit may hold overlays), sign-extended when signed, shifted by `offset` so the most negative
 * value indexes 0. Read from the native bytes on the fly: a whole-frame array of them took 4 bytes
 * per pixel (41 MB for a 10-megapixel radiograph) and a pass of its own.
 */
function storedLayout(attributes: PixelAttributes): { mask: number; signBit: number; offset: number; wide: boolean } {
  const mask = attributes.bitsStored >= 32 ? -1 : (1 << attributes.bitsStored) - 1;
  const signed = attributes.pixelRepresentation === 1;
  return {
    mask,
    // With the offset added, a signed pattern p indexes p + offset when non-negative and p - (mask + 1) + offset otherwise.
    signBit: signed ? 1 << (attributes.bitsStored - 1) : 0,
    offset: signed ? 1 << (attributes.bitsStored - 1) : 0,
    wide: attributes.bitsAllocated === 16,
  };
}

/** Each pixel's display value. */
function throughLut(native: Uint8Array, attributes: PixelAttributes, lut: Uint8Array): Uint8Array {
  const { mask, signBit, offset, wide } = storedLayout(attributes);
  const pixels = new Uint8Array(attributes.rows * attributes.columns);
  const wrap = mask + 1;
  // One loop per sample size, so neither branches on it per pixel.
  if (wide) {
    for (let i = 0; i < pixels.length; i += 1) {
      const bits = (native[2 * i]! | (native[2 * i + 1]! << 8)) & mask;
      pixels[i] = lut[bits & signBit ? bits - wrap + offset : bits + offset]!;
    }
  } else {
    for (let i = 0; i < pixels.length; i += 1) {
      const bits = native[i]! & mask;
      pixels[i] = lut[bits & signBit ? bits - wrap + offset : bits + offset]!;
    }
  }
  return pixels;
}

/** The smallest and largest stored values of the frame. */
function storedRange(native: Uint8Array, attributes: PixelAttributes): { min: number; max: number } {
  const { mask, signBit, wide } = storedLayout(attributes);
  const count = attributes.rows * attributes.columns;
  const wrap = mask + 1;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i += 1) {
    const bits = (wide ? native[2 * i]! | (native[2 * i + 1]! << 8) : native[i]!) & mask;
    const value = bits & signBit ? bits - wrap : bits;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

/** Display value for every possible stored value, indexed by stored value + offset. */
function displayLut(native: Uint8Array, attributes: PixelAttributes, voi: VoiWindow | undefined): Uint8Array {
  const { bitsStored, rescaleSlope: slope, rescaleIntercept: intercept } = attributes;
  const windowCenter = voi?.center ?? attributes.windowCenter;
  const windowWidth = voi?.width ?? attributes.windowWidth;
  const signed = attributes.pixelRepresentation === 1;
  const lowest = signed ? -(1 << (bitsStored - 1)) : 0;
  const entries = 1 << bitsStored;
  let window: (modality: number) => number;
  if (voi?.function === 'sigmoid' && windowCenter !== undefined && windowWidth !== undefined && windowWidth > 0) {
    window = sigmoidWindow(windowCenter, windowWidth);
  } else if (voi?.function === 'linear-exact' && windowCenter !== undefined && windowWidth !== undefined && windowWidth > 0) {
    window = linearExactWindow(windowCenter, windowWidth);
  } else if (windowCenter !== undefined && windowWidth !== undefined && windowWidth >= 1) {
    window = linearWindow(windowCenter, windowWidth);
  } else {
    const { min, max } = storedRange(native, attributes);
    const ends = [min * slope + intercept, max * slope + intercept];
    const low = Math.min(...ends);
    const span = Math.max(...ends) - low;
    window = (modality) => (span > 0 ? ((modality - low) / span) * 255 : 0);
  }
  const invert = attributes.photometricInterpretation === 'MONOCHROME1';
  const lut = new Uint8Array(entries);
  for (let index = 0; index < entries; index += 1) {
    const display = Math.min(255, Math.max(0, Math.round(window((lowest + index) * slope + intercept))));
    lut[index] = invert ? 255 - display : display;
  }
  return lut;
}

/** The LINEAR VOI function of PS3.3 C.11.2.1.2.1, to an output range of 0..255. */
function linearWindow(center: number, width: number): (modality: number) => number {
  const lower = center - 0.5 - (width - 1) / 2;
  const upper = center - 0.5 + (width - 1) / 2;
  return (x) => {
    if (x <= lower) return 0;
    if (x > upper) return 255;
    return ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
  };
}

/** LINEAR_EXACT (PS3.3 C.11.2.1.3.2). */
function linearExactWindow(center: number, width: number): (modality: number) => number {
  return (x) => Math.min(255, Math.max(0, ((x - center) / width + 0.5) * 255));
}

/** SIGMOID (PS3.3 C.11.2.1.3.1). */
function sigmoidWindow(center: number, width: number): (modality: number) => number {
  return (x) => 255 / (1 + Math.exp((-4 * (x - center)) / width));
}
