import { ownArrayBuffer } from '../common/array-buffers';
import { StorageSopClass } from '../imaging/dicom-file.constants';
import type { RgbImage } from './annotated-image.renderer';
import { compositeContextOf, requireString } from './composite-context';
import { code, dicomDate, dicomTime } from './dicom-values';

export const OSTEON_SERIES_DESCRIPTION = 'Osteon AI';
export const SECONDARY_CAPTURE_SERIES_NUMBER = 9901;

export interface SecondaryCaptureInput {
  readonly original: Readonly<Record<string, unknown>>;
  readonly image: RgbImage;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly instanceNumber: number;
  readonly modelVersion: string;
  readonly createdAt: Date;
}

/**
 * An RGB Secondary Capture of one analysed original (PS3.3 A.8.1): same patient and study,
 * the "Osteon AI" series, DERIVED/SECONDARY with the burned-in annotation declared, and the
 * original named as its source.
 */
export function buildSecondaryCapture(input: SecondaryCaptureInput): Record<string, unknown> {
  const { original, image, createdAt } = input;
  if (image.pixels.length !== image.width * image.height * 3) throw new Error('RGB pixel buffer does not match the image size');
  const source = {
    ReferencedSOPClassUID: requireString(original, 'SOPClassUID'),
    ReferencedSOPInstanceUID: requireString(original, 'SOPInstanceUID'),
  };
  // OB values have even length: an odd one is copied with a pad byte, an even one used as it is (at
  // 2048 x 2048 a copy is 12.6 MB more held while the file is written).
  const pixels = image.pixels.length % 2 === 0 ? image.pixels : Buffer.concat([image.pixels, new Uint8Array(1)]);
  return {
    ...compositeContextOf(original),
    SOPClassUID: StorageSopClass.SecondaryCapture,
    SOPInstanceUID: input.sopInstanceUid,
    InstanceCreationDate: dicomDate(createdAt),
    InstanceCreationTime: dicomTime(createdAt),
    ContentDate: dicomDate(createdAt),
    ContentTime: dicomTime(createdAt),
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: SECONDARY_CAPTURE_SERIES_NUMBER,
    SeriesDescription: OSTEON_SERIES_DESCRIPTION,
    Modality: 'OT',
    ...(typeof original.BodyPartExamined === 'string' ? { BodyPartExamined: original.BodyPartExamined } : {}),
    ...(typeof original.Laterality === 'string' ? { Laterality: original.Laterality } : {}),
    Manufacturer: 'Osteon',
    ManufacturerModelName: 'Osteon fracture triage',
    SoftwareVersions: input.modelVersion,
    ConversionType: 'WSD',
    InstanceNumber: input.instanceNumber,
    PatientOrientation: original.PatientOrientation ?? '',
    ...(typeof original.ImageLaterality === 'string' ? { ImageLaterality: original.ImageLaterality } : {}),
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: 'Osteon AI fracture triage: heat map, box (if any) and banner burned into the original',
    ImageComments: 'AI triage, not a diagnosis',
    BurnedInAnnotation: 'YES',
    LossyImageCompression: original.LossyImageCompression === '01' ? '01' : '00',
    ReferencedImageSequence: [source],
    SourceImageSequence: [
      { ...source, PurposeOfReferenceCodeSequence: [code('121322', 'DCM', 'Source image for image processing operation')] },
    ],
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: image.height,
    Columns: image.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [ownArrayBuffer(pixels)],
    // Pixel Data's VR depends on Bits Allocated, which dcmjs cannot infer: 8-bit is OB.
    _vrMap: { PixelData: 'OB' },
  };
}
