import { chooseTransferSyntax } from '../../src/dicom/presentation-context-negotiation';

const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const JPEG_12BIT = '1.2.840.10008.1.2.4.51';
const JPEG_LS = '1.2.840.10008.1.2.4.80';
const RLE = '1.2.840.10008.1.2.5';

describe('transfer syntax negotiation', () => {
  it('keeps a lossless compressed syntax when the modality offers it beside uncompressed', () => {
    expect(chooseTransferSyntax([EXPLICIT, IMPLICIT, JPEG_LS])).toBe(JPEG_LS);
    expect(chooseTransferSyntax([IMPLICIT, RLE])).toBe(RLE);
  });

  it('prefers Explicit over Implicit VR Little Endian', () => {
    expect(chooseTransferSyntax([IMPLICIT, EXPLICIT])).toBe(EXPLICIT);
  });

  it('never picks a lossy syntax when an uncompressed one is offered', () => {
    expect(chooseTransferSyntax([JPEG_BASELINE, EXPLICIT])).toBe(EXPLICIT);
    expect(chooseTransferSyntax([JPEG_BASELINE])).toBe(JPEG_BASELINE);
  });

  it('refuses 12-bit JPEG so the modality falls back to another syntax', () => {
    expect(chooseTransferSyntax([JPEG_12BIT])).toBeUndefined();
    expect(chooseTransferSyntax([JPEG_12BIT, IMPLICIT])).toBe(IMPLICIT);
  });
});
