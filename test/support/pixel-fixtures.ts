import fs from 'node:fs/promises';
import { data as dcmjsData } from 'dcmjs';
import sharp from 'sharp';
import type { GreyPixels } from '../../src/imaging/grey-image';
import { generateUid } from '../../src/imaging/uid';
import type { ByteSource } from '../../src/storage/byte-source';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DX = '1.2.840.10008.5.1.4.1.1.1.1';

export interface PixelDatasetOptions {
  readonly rows: number;
  readonly columns: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly photometricInterpretation?: string;
  readonly samplesPerPixel?: number;
  readonly rescaleSlope?: string;
  readonly rescaleIntercept?: string;
  readonly windowCenter?: string;
  readonly windowWidth?: string;
  readonly bodyPartExamined?: string;
  readonly pixelData: Uint8Array;
}

/** A DX Part 10 file (Explicit VR LE) with exactly the pixel attributes given, right or wrong. */
export function pixelDataset(options: PixelDatasetOptions): Buffer {
  const sopInstanceUid = generateUid();
  const dataset: Record<string, unknown> = {
    SOPClassUID: DX,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'DX',
    PatientID: 'PIXELS',
    StudyInstanceUID: generateUid(),
    SeriesInstanceUID: generateUid(),
    BodyPartExamined: options.bodyPartExamined ?? '',
    SamplesPerPixel: options.samplesPerPixel ?? 1,
    PhotometricInterpretation: options.photometricInterpretation ?? 'MONOCHROME2',
    Rows: options.rows,
    Columns: options.columns,
    BitsAllocated: options.bitsAllocated,
    BitsStored: options.bitsStored,
    HighBit: options.bitsStored - 1,
    PixelRepresentation: options.pixelRepresentation,
    ...(options.samplesPerPixel && options.samplesPerPixel > 1 ? { PlanarConfiguration: 0 } : {}),
    ...(options.rescaleSlope
      ? { RescaleSlope: options.rescaleSlope, RescaleIntercept: options.rescaleIntercept ?? '0', RescaleType: 'US' }
      : {}),
    ...(options.windowCenter ? { WindowCenter: options.windowCenter, WindowWidth: options.windowWidth } : {}),
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: DX,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '2.25.1',
  };
  const { DicomDict, DicomMetaDictionary } = dcmjsData;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const even = options.pixelData.length % 2 === 0 ? options.pixelData : Uint8Array.from([...options.pixelData, 0]);
  dict.dict['7FE00010'] = { vr: options.bitsAllocated > 8 ? 'OW' : 'OB', Value: [even.slice().buffer] };
  return Buffer.from(dict.write({ fragmentMultiframe: false }));
}

/** 16-bit little-endian bytes of the given sample values (taken modulo 2^16). */
export function uint16Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]! & 0xffff;
    bytes[2 * i] = value & 0xff;
    bytes[2 * i + 1] = value >> 8;
  }
  return bytes;
}

export async function fixtureGrey(file: string): Promise<GreyPixels> {
  const { data, info } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: async (position, length) => bytes.subarray(position, position + length) };
}

export async function fileSource(file: string): Promise<ByteSource> {
  return bufferSource(await fs.readFile(file));
}
