import { data as dcmjsData } from 'dcmjs';
import { OSTEON_IMPLEMENTATION_CLASS_UID, OSTEON_IMPLEMENTATION_VERSION, TransferSyntax } from '../imaging/dicom-file.constants';

export interface CodedConcept {
  readonly CodeValue: string;
  readonly CodingSchemeDesignator: string;
  readonly CodeMeaning: string;
}

export function code(value: string, scheme: string, meaning: string): CodedConcept {
  return { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning };
}

/** Osteon's own concepts: a private coding scheme ("99" prefix, PS3.16 8.2) for what no standard code names. */
export const OSTEON_SCHEME = '99OSTEON';

export function dicomDate(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

export function dicomTime(date: Date): string {
  return date.toISOString().slice(11, 19).replace(/:/g, '');
}

export function dicomDateTime(date: Date): string {
  return `${dicomDate(date)}${dicomTime(date)}`;
}

/** A Part 10 file (Explicit VR Little Endian) of naturalised elements, as the PACS will hold it. */
export function part10Of(elements: Record<string, unknown>): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjsData;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: elements.SOPClassUID,
    MediaStorageSOPInstanceUID: elements.SOPInstanceUID,
    TransferSyntaxUID: TransferSyntax.ExplicitVrLittleEndian,
    ImplementationClassUID: OSTEON_IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: OSTEON_IMPLEMENTATION_VERSION,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(elements);
  return Buffer.from(dict.write({ fragmentMultiframe: false }));
}
