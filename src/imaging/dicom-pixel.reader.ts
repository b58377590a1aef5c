import type { ByteSource } from '../storage/byte-source';
import { DatasetHeaderReader, DatasetParseError, Tag, type DatasetHeader } from './dataset-header.reader';
import { TransferSyntax } from './dicom-file.constants';
import { ImagingErrorCode, ImagingException } from './imaging.exception';
import { readFileMeta, readPart10Header } from './part10';
import { assertDecodable, frameByteLength, type PixelAttributes, type PixelFrame } from './pixel-frame';

const DECODABLE_SYNTAXES: ReadonlySet<string> = new Set(Object.values(TransferSyntax));

/**
 * Reads what decoding one image needs from a Part 10 file: the header is walked in small
 * windows and the pixel data value is read once, so a large file is never held twice.
 * Greyscale radiographs only (what the model and the grey renderers take).
 */
export function readPixelFrame(source: ByteSource): Promise<PixelFrame> {
  return readFrameChecked(source, 0, assertDecodable);
}

/**
 * One frame (0-based) of any image, as stored: native bytes, or its encapsulated bitstream in
 * the stored transfer syntax. What DICOMweb serves as `/frames/{n}` and renders.
 */
export function readFrame(source: ByteSource, frameIndex: number): Promise<PixelFrame> {
  return readFrameChecked(source, frameIndex, () => undefined);
}

/**
 * The file's bytes up to the value of its Pixel Data (the whole file when it has none): what a
 * parser of the header needs, without reading (and holding) the image once more.
 */
export async function readUntilPixelData(source: ByteSource): Promise<Uint8Array> {
  let end = source.size;
  try {
    const { header } = await readPart10Header(source);
    end = Math.min(end, header.pixelData?.offset ?? end);
  } catch (error) {
    if (error instanceof DatasetParseError) throw new ImagingException(ImagingErrorCode.NotDicom, error.message);
    throw error;
  }
  return source.read(0, end);
}

async function readFrameChecked(source: ByteSource, frameIndex: number, check: (attributes: PixelAttributes) => void): Promise<PixelFrame> {
  let header: DatasetHeader;
  let transferSyntaxUid: string;
  try {
    const meta = await readFileMeta(source);
    transferSyntaxUid = meta.transferSyntaxUid;
    if (!DECODABLE_SYNTAXES.has(transferSyntaxUid)) {
      throw new ImagingException(ImagingErrorCode.UnsupportedTransferSyntax, `transfer syntax ${transferSyntaxUid} is not decoded`);
    }
    header = await DatasetHeaderReader.read(source, meta.datasetOffset, transferSyntaxUid === TransferSyntax.ImplicitVrLittleEndian);
  } catch (error) {
    if (error instanceof DatasetParseError) throw new ImagingException(ImagingErrorCode.NotDicom, error.message);
    throw error;
  }
  const location = header.pixelData;
  if (!location) throw new ImagingException(ImagingErrorCode.NoPixelData, 'the data set has no Pixel Data');
  const attributes = pixelAttributes(header.values);
  check(attributes);
  if (!(attributes.rows > 0 && attributes.columns > 0)) {
    throw new ImagingException(ImagingErrorCode.InvalidPixelData, `image size ${attributes.columns}x${attributes.rows} is empty`);
  }
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= attributes.numberOfFrames) {
    throw new ImagingException(ImagingErrorCode.FrameNotFound, `frame ${frameIndex + 1} of ${attributes.numberOfFrames} does not exist`);
  }
  const encapsulated =
    transferSyntaxUid !== TransferSyntax.ImplicitVrLittleEndian && transferSyntaxUid !== TransferSyntax.ExplicitVrLittleEndian;
  if (encapsulated !== location.encapsulated) {
    throw new ImagingException(
      ImagingErrorCode.InvalidPixelData,
      `pixel data encapsulation does not match transfer syntax ${transferSyntaxUid}`,
    );
  }
  const data = encapsulated
    ? await readBitstream(source, location.fragments, attributes.numberOfFrames, frameIndex)
    : await readNativeFrame(source, location, attributes, frameIndex);
  const bodyPart = header.values.get(Tag.BodyPartExamined);
  return { transferSyntaxUid, attributes, data, bodyPartExamined: typeof bodyPart === 'string' ? bodyPart : undefined };
}

async function readNativeFrame(
  source: ByteSource,
  location: { offset: number; length: number },
  attributes: PixelAttributes,
  frameIndex: number,
): Promise<Uint8Array> {
  const frameBytes = frameByteLength(attributes);
  const expected = frameBytes * attributes.numberOfFrames;
  // An odd total is padded to even length with one byte.
  if (location.length !== expected && location.length !== expected + 1) {
    throw new ImagingException(
      ImagingErrorCode.InvalidPixelData,
      `pixel data is ${location.length} bytes, ${attributes.columns}x${attributes.rows}x${attributes.numberOfFrames} at ${attributes.bitsAllocated} bits needs ${expected}`,
    );
  }
  return source.read(location.offset + frameIndex * frameBytes, frameBytes);
}

async function readBitstream(
  source: ByteSource,
  fragments: ReadonlyArray<{ offset: number; length: number }>,
  frames: number,
  frameIndex: number,
): Promise<Uint8Array> {
  // One fragment per frame is the common layout; without an offset table, a multi-frame
  // image split differently cannot be cut into frames here.
  let used = fragments;
  if (frames > 1) {
    if (fragments.length !== frames) {
      throw new ImagingException(ImagingErrorCode.UnsupportedFrameLayout, `${frames} frames in ${fragments.length} fragments`);
    }
    used = fragments.slice(frameIndex, frameIndex + 1);
  }
  const first = used[0]!;
  const last = used[used.length - 1]!;
  const span = await source.read(first.offset, last.offset + last.length - first.offset);
  if (used.length === 1) return span;
  const joined = new Uint8Array(used.reduce((total, fragment) => total + fragment.length, 0));
  let position = 0;
  for (const fragment of used) {
    joined.set(span.subarray(fragment.offset - first.offset, fragment.offset - first.offset + fragment.length), position);
    position += fragment.length;
  }
  return joined;
}

function pixelAttributes(values: ReadonlyMap<number, string | number>): PixelAttributes {
  const required = (tag: number, name: string): number => {
    const value = values.get(tag);
    if (typeof value !== 'number') throw new ImagingException(ImagingErrorCode.MissingAttribute, `${name} is missing`);
    return value;
  };
  const photometric = values.get(Tag.PhotometricInterpretation);
  if (typeof photometric !== 'string') {
    throw new ImagingException(ImagingErrorCode.MissingAttribute, 'Photometric Interpretation is missing');
  }
  const bitsAllocated = required(Tag.BitsAllocated, 'Bits Allocated');
  return {
    rows: required(Tag.Rows, 'Rows'),
    columns: required(Tag.Columns, 'Columns'),
    samplesPerPixel: optionalNumber(values.get(Tag.SamplesPerPixel)) ?? 1,
    photometricInterpretation: photometric.trim().toUpperCase(),
    bitsAllocated,
    bitsStored: optionalNumber(values.get(Tag.BitsStored)) ?? bitsAllocated,
    pixelRepresentation: optionalNumber(values.get(Tag.PixelRepresentation)) ?? 0,
    numberOfFrames: Math.max(1, Math.trunc(optionalNumber(values.get(Tag.NumberOfFrames)) ?? 1)),
    planarConfiguration: optionalNumber(values.get(Tag.PlanarConfiguration)) ?? 0,
    rescaleSlope: optionalNumber(values.get(Tag.RescaleSlope)) ?? 1,
    rescaleIntercept: optionalNumber(values.get(Tag.RescaleIntercept)) ?? 0,
    windowCenter: optionalNumber(values.get(Tag.WindowCenter)),
    windowWidth: optionalNumber(values.get(Tag.WindowWidth)),
  };
}

/** A number from a US value or the first value of a DS/IS string ("40\\400" -> 40). */
function optionalNumber(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (value === undefined) return undefined;
  const parsed = Number.parseFloat(value.split('\\')[0] ?? '');
  return Number.isFinite(parsed) ? parsed : undefined;
}
