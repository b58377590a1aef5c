import { data as dcmjsData } from 'dcmjs';
import { OSTEON_IMPLEMENTATION_CLASS_UID, OSTEON_IMPLEMENTATION_VERSION, TransferSyntax } from '../../src/imaging/dicom-file.constants';
import { part10Parts } from '../../src/pacs/part10-writer';

/** The file as dcmjs alone writes it: what the parts must add up to, byte for byte. */
function writtenByDcmjs(elements: Record<string, unknown>): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjsData;
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: elements.SOPClassUID,
      MediaStorageSOPInstanceUID: elements.SOPInstanceUID,
      TransferSyntaxUID: TransferSyntax.ExplicitVrLittleEndian,
      ImplementationClassUID: OSTEON_IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: OSTEON_IMPLEMENTATION_VERSION,
    }),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset(elements);
  return Buffer.from(dict.write({ fragmentMultiframe: false }));
}

function capture(pixelBytes: number): { elements: Record<string, unknown>; pixels: Uint8Array } {
  const pixels = new Uint8Array(pixelBytes).map((_, index) => (index * 7) % 256);
  const elements = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: '1.2.826.0.1.3680043.8.498.1',
    PatientID: 'P1',
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    Rows: 3,
    Columns: Math.ceil(pixelBytes / 9),
    BitsAllocated: 8,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  return { elements, pixels };
}

describe('Part 10 files of result objects, written in parts', () => {
  it.each([36, 37])('adds up to the file dcmjs writes (%i pixel bytes), with the pixels passed on uncopied', (size) => {
    const { elements, pixels } = capture(size);
    const parts = part10Parts(elements);
    expect(Buffer.concat(parts).equals(writtenByDcmjs(elements))).toBe(true);
    expect(parts).toHaveLength(size % 2 === 0 ? 3 : 4);
    expect(parts[2]?.buffer).toBe(pixels.buffer);
  });

  it('writes a data set without pixels, with pixels of no named VR, or with an element after them, through dcmjs whole', () => {
    const { elements } = capture(36);
    const { PixelData: _pixels, _vrMap: _vrs, ...report } = elements;
    expect(part10Parts(report)).toHaveLength(1);
    expect(part10Parts(report)[0]?.equals(writtenByDcmjs(report))).toBe(true);
    const { _vrMap: _unnamed, ...noVr } = elements;
    expect(part10Parts(noVr)).toHaveLength(1);
    expect(part10Parts(noVr)[0]?.equals(writtenByDcmjs(noVr))).toBe(true);
    const trailing = { ...elements, DataSetTrailingPadding: new Uint8Array(4).buffer };
    expect(part10Parts(trailing)).toHaveLength(1);
    expect(part10Parts(trailing)[0]?.equals(writtenByDcmjs(trailing))).toBe(true);
  });
});
