import { data as dcmjsData } from 'dcmjs';
import {
  StorageSopClass,
  TransferSyntax,
  OSTEON_IMPLEMENTATION_CLASS_UID,
  OSTEON_IMPLEMENTATION_VERSION,
} from '../imaging/dicom-file.constants';
import { generateUid } from '../imaging/uid';

export interface GreyImage {
  readonly width: number;
  readonly height: number;
  /** 8-bit greyscale, row-major, width × height bytes. */
  readonly pixels: Uint8Array;
  /** True when the source was lossy-compressed (JPEG): DICOM must say so. */
  readonly lossySource: boolean;
}

export interface PatientIdentity {
  readonly patientId: string;
  readonly patientName?: string;
  readonly birthDate?: string;
  readonly sex?: 'M' | 'F' | 'O';
}

export interface StudyContext {
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  readonly accessionNumber?: string;
  readonly bodyPartExamined?: string;
  readonly studyDate?: Date;
  readonly instanceNumber?: number;
  readonly institutionName?: string;
}

function dicomDate(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

function dicomTime(date: Date): string {
  return date.toISOString().slice(11, 19).replace(/:/g, '');
}

export interface DicomParts {
  /** Part 10 preamble, file meta and every element before Pixel Data. */
  readonly head: Buffer;
  /** The Pixel Data element header (tag, VR OB, length). */
  readonly pixelHeader: Buffer;
  /** The pixels as they are (not copied), then a pad byte when their count is odd. */
  readonly pixels: Uint8Array;
  readonly padding: Buffer;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
}

/**
 * The instance in parts, so a large image is written to storage without ever being copied: the
 * pixels are appended after everything dcmjs writes (Pixel Data is the last element here).
 */
export function imageToDicomParts(image: GreyImage, patient: PatientIdentity, study: StudyContext = {}): DicomParts {
  if (image.width <= 0 || image.height <= 0 || image.pixels.length !== image.width * image.height) {
    throw new Error('image dimensions do not match its pixel buffer');
  }
  const now = study.studyDate ?? new Date();
  const sopInstanceUid = generateUid();
  const studyInstanceUid = study.studyInstanceUid ?? generateUid();
  const seriesInstanceUid = study.seriesInstanceUid ?? generateUid();
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'SECONDARY'],
    SOPClassUID: StorageSopClass.DigitalXRayForPresentation,
    SOPInstanceUID: sopInstanceUid,
    StudyDate: dicomDate(now),
    ContentDate: dicomDate(now),
    StudyTime: dicomTime(now),
    ContentTime: dicomTime(now),
    AccessionNumber: study.accessionNumber ?? '',
    Modality: 'DX',
    ConversionType: 'DI',
    Manufacturer: 'Osteon',
    InstitutionName: study.institutionName ?? '',
    ReferringPhysicianName: '',
    PatientName: patient.patientName ?? '',
    PatientID: patient.patientId,
    PatientBirthDate: patient.birthDate ?? '',
    PatientSex: patient.sex ?? '',
    BodyPartExamined: study.bodyPartExamined ?? '',
    StudyInstanceUID: studyInstanceUid,
    SeriesInstanceUID: seriesInstanceUid,
    StudyID: '',
    SeriesNumber: 1,
    InstanceNumber: study.instanceNumber ?? 1,
    PatientOrientation: '',
    PresentationIntentType: 'FOR PRESENTATION',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: image.height,
    Columns: image.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    RescaleIntercept: '0',
    RescaleSlope: '1',
    RescaleType: 'US',
    WindowCenter: '128',
    WindowWidth: '256',
    LossyImageCompression: image.lossySource ? '01' : '00',
    BurnedInAnnotation: 'NO',
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: StorageSopClass.DigitalXRayForPresentation,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: TransferSyntax.ExplicitVrLittleEndian,
    ImplementationClassUID: OSTEON_IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: OSTEON_IMPLEMENTATION_VERSION,
  };
  const { DicomDict, DicomMetaDictionary } = dcmjsData;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const head = Buffer.from(dict.write({ fragmentMultiframe: false }));
  // OB pixel data must have even length: (7FE0,0010) OB, 2 reserved bytes, 32-bit length.
  const padded = image.pixels.length + (image.pixels.length % 2);
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OB', 4, 'latin1');
  pixelHeader.writeUInt32LE(padded, 8);
  const padding = Buffer.alloc(padded - image.pixels.length);
  return { head, pixelHeader, pixels: image.pixels, padding, sopInstanceUid, studyInstanceUid, seriesInstanceUid };
}

/**
 * Wraps an ordinary greyscale image as a DX For Presentation instance (Explicit VR Little
 * Endian, MONOCHROME2, 8 bits), the way a digitiser would: used by the make-dicom tool and tests;
 * the upload API writes the same parts straight to storage.
 */
export function imageToDicom(
  image: GreyImage,
  patient: PatientIdentity,
  study: StudyContext = {},
): { part10: Buffer; sopInstanceUid: string; studyInstanceUid: string; seriesInstanceUid: string } {
  const parts = imageToDicomParts(image, patient, study);
  return {
    part10: Buffer.concat([parts.head, parts.pixelHeader, parts.pixels, parts.padding]),
    sopInstanceUid: parts.sopInstanceUid,
    studyInstanceUid: parts.studyInstanceUid,
    seriesInstanceUid: parts.seriesInstanceUid,
  };
}
