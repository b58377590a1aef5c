import { Tag, type DatasetHeader } from './dataset-header.reader';
import { TransferSyntax } from './dicom-file.constants';

/**
 * What is recognisably wrong with an image's pixel data, judged from the header and the first
 * bytes of its first bitstream without decoding: `inconsistent` (the Image Pixel attributes and
 * the data disagree: answer A900), `unreadable` (no bitstream of the transfer syntax: C000),
 * `too-large` (more pixels than allowed: A700, refused before anything is decoded).
 */
export type PixelProblem = { readonly kind: 'inconsistent' | 'unreadable' | 'too-large'; readonly reason: string };

/** How many bytes of the first fragment `pixelDataProblem` wants to see (JPEG headers fit easily). */
export const BITSTREAM_HEAD_BYTES = 65_536;

function numberOf(header: DatasetHeader, tag: number): number | undefined {
  const value = header.values.get(tag);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number.parseInt(value.split('\\')[0] ?? '', 10);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

const bytesPerSample = (bits: number): number => (bits <= 8 ? 1 : bits <= 16 ? 2 : 4);

export function pixelDataProblem(
  header: DatasetHeader,
  transferSyntaxUid: string,
  maxPixels: number,
  head: Uint8Array | undefined,
): PixelProblem | undefined {
  const location = header.pixelData;
  if (!location) return undefined;
  const rows = numberOf(header, Tag.Rows);
  const columns = numberOf(header, Tag.Columns);
  const bitsAllocated = numberOf(header, Tag.BitsAllocated);
  if (rows === undefined || columns === undefined || bitsAllocated === undefined) {
    return { kind: 'inconsistent', reason: 'Rows, Columns or Bits Allocated is missing' };
  }
  if (rows <= 0 || columns <= 0) return { kind: 'inconsistent', reason: `image size ${columns}x${rows} is empty` };
  const samples = numberOf(header, Tag.SamplesPerPixel) ?? 1;
  const bitsStored = numberOf(header, Tag.BitsStored) ?? bitsAllocated;
  const frames = Math.max(1, numberOf(header, Tag.NumberOfFrames) ?? 1);
  if (![1, 8, 16, 32].includes(bitsAllocated) || bitsStored < 1 || bitsStored > bitsAllocated || samples < 1 || samples > 4) {
    return { kind: 'inconsistent', reason: `${bitsStored} bits stored in ${bitsAllocated} allocated, ${samples} samples per pixel` };
  }
  if (rows * columns > maxPixels) {
    return {
      kind: 'too-large',
      reason: `image is ${columns}x${rows} (${((rows * columns) / 1e6).toFixed(1)} MP), above the ${(maxPixels / 1e6).toFixed(1)} MP limit`,
    };
  }
  if (!location.encapsulated) {
    const bits = rows * columns * samples * frames * bitsAllocated;
    const expected = Math.ceil(bits / 8);
    if (location.length !== expected && location.length !== expected + 1) {
      return {
        kind: 'inconsistent',
        reason: `pixel data is ${location.length} bytes; ${columns}x${rows}x${frames} at ${bitsAllocated} bits needs ${expected}`,
      };
    }
    return undefined;
  }
  const first = location.fragments[0];
  if (!first || first.length === 0 || !head || head.length === 0)
    return { kind: 'unreadable', reason: 'the first pixel data fragment is empty' };
  return bitstreamProblem(transferSyntaxUid, head, { rows, columns, samples, bitsAllocated });
}

interface Geometry {
  readonly rows: number;
  readonly columns: number;
  readonly samples: number;
  readonly bitsAllocated: number;
}

function bitstreamProblem(transferSyntaxUid: string, head: Uint8Array, geometry: Geometry): PixelProblem | undefined {
  switch (transferSyntaxUid) {
    case TransferSyntax.JpegBaseline:
    case TransferSyntax.JpegLosslessSv1:
    case TransferSyntax.JpegLsLossless:
      return jpegProblem(head, geometry);
    case TransferSyntax.Jpeg2000Lossless:
    case TransferSyntax.Jpeg2000:
      return jpeg2000Problem(head, geometry);
    case TransferSyntax.RleLossless:
      return rleProblem(head, geometry);
    default:
      return undefined;
  }
}

function sizeMismatch(what: string, width: number, height: number, precision: number, geometry: Geometry): PixelProblem | undefined {
  if (width !== geometry.columns || height !== geometry.rows) {
    return { kind: 'inconsistent', reason: `${what} is ${width}x${height}, Rows/Columns say ${geometry.columns}x${geometry.rows}` };
  }
  if (precision > geometry.bitsAllocated || bytesPerSample(precision) !== bytesPerSample(geometry.bitsAllocated)) {
    return { kind: 'inconsistent', reason: `${what} has ${precision}-bit samples, Bits Allocated is ${geometry.bitsAllocated}` };
  }
  return undefined;
}

/** JPEG / JPEG-LS: SOI, then marker segments up to the frame header (SOFn or SOF55). */
function jpegProblem(head: Uint8Array, geometry: Geometry): PixelProblem | undefined {
  if (head[0] !== 0xff || head[1] !== 0xd8) return { kind: 'unreadable', reason: 'the JPEG bitstream does not start with SOI' };
  let position = 2;
  while (position + 4 <= head.length) {
    if (head[position] !== 0xff) return { kind: 'unreadable', reason: 'the JPEG bitstream has no marker where one must be' };
    const marker = head[position + 1]!;
    if (marker === 0xff) {
      position += 1;
      continue;
    }
    const length = (head[position + 2]! << 8) | head[position + 3]!;
    const isFrame = (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) || marker === 0xf7;
    if (isFrame) {
      if (position + 9 > head.length) return undefined;
      const precision = head[position + 4]!;
      const height = (head[position + 5]! << 8) | head[position + 6]!;
      const width = (head[position + 7]! << 8) | head[position + 8]!;
      // Height 0 is allowed in JPEG (given later by DNL): only a stated size can disagree.
      if (height === 0) return undefined;
      return sizeMismatch('the JPEG frame', width, height, precision, geometry);
    }
    if (length < 2) return { kind: 'unreadable', reason: 'the JPEG bitstream has a broken marker segment' };
    position += 2 + length;
  }
  return undefined;
}

/** JPEG 2000 codestream: SOC then SIZ (a JP2 file wrapper is not checked further). */
function jpeg2000Problem(head: Uint8Array, geometry: Geometry): PixelProblem | undefined {
  if (head[0] !== 0xff || head[1] !== 0x4f) {
    const isJp2 = head.length >= 12 && String.fromCharCode(...head.subarray(4, 8)) === 'jP  ';
    return isJp2 ? undefined : { kind: 'unreadable', reason: 'the JPEG 2000 bitstream does not start with SOC' };
  }
  if (head.length < 44 || head[2] !== 0xff || head[3] !== 0x51)
    return { kind: 'unreadable', reason: 'the JPEG 2000 bitstream has no SIZ segment' };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const width = view.getUint32(8) - view.getUint32(16);
  const height = view.getUint32(12) - view.getUint32(20);
  const precision = (head[42]! & 0x7f) + 1;
  return sizeMismatch('the JPEG 2000 image', width, height, precision, geometry);
}

/** RLE: a 64-byte header with one segment per byte of each sample (PS3.5 G.3). */
function rleProblem(head: Uint8Array, geometry: Geometry): PixelProblem | undefined {
  if (head.length < 64) return { kind: 'unreadable', reason: 'the RLE header is shorter than 64 bytes' };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const segments = view.getUint32(0, true);
  const expected = geometry.samples * bytesPerSample(geometry.bitsAllocated);
  if (segments !== expected) {
    return {
      kind: 'inconsistent',
      reason: `the RLE header has ${segments} segments, ${geometry.bitsAllocated}-bit data needs ${expected}`,
    };
  }
  if (view.getUint32(4, true) !== 64) return { kind: 'unreadable', reason: 'the first RLE segment does not follow the header' };
  return undefined;
}
