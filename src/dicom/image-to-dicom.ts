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

/**
 * Wraps an ordinary greyscale image as a DX For Presentation instance (Explicit VR Little
 * Endian, MONOCHROME2, 8 bits), the way a digitiser would: used by the upload API and the
 * make-dicom tool, so both go through the same ingest path as C-STORE.
 */
export function imageToDicom(
  image: GreyImage,
  patient: PatientIdentity,
  study: StudyContext = {},
): {
  part10: Buffer;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
} {
  if (image.width <= 0 || image.height <= 0 || image.pixels.length !== image.width * image.height) {
    throw new Error('image dimensions do not match its pixel buffer');
  }
  const now = study.studyDate ?? new Date();
  const sopInstanceUid = generateUid();
  const studyInstanceUid = study.studyInstanceUid ?? generateUid();
  const seriesInstanceUid = study.seriesInstanceUid ?? generateUid();
  const pixelBuffer = Buffer.from(image.pixels);
  // OB pixel data must have even length.
  const pixelData = pixelBuffer.length % 2 === 0 ? pixelBuffer : Buffer.concat([pixelBuffer, Buffer.alloc(1)]);
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
  // Pixel Data's VR depends on Bits Allocated, which dcmjs cannot infer: 8-bit is OB.
  dict.dict['7FE00010'] = {
    vr: 'OB',
    Value: [pixelData.buffer.slice(pixelData.byteOffset, pixelData.byteOffset + pixelData.byteLength)],
  };
  const part10 = Buffer.from(dict.write({ fragmentMultiframe: false }));
  return { part10, sopInstanceUid, studyInstanceUid, seriesInstanceUid };
}
