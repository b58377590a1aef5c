/** SOP classes of the files Osteon stores and makes: the radiograph classes plus Secondary Capture (standards.md). */
export const StorageSopClass = {
  DigitalXRayForPresentation: '1.2.840.10008.5.1.4.1.1.1.1',
  DigitalXRayForProcessing: '1.2.840.10008.5.1.4.1.1.1.1.1',
  ComputedRadiography: '1.2.840.10008.5.1.4.1.1.1',
  SecondaryCapture: '1.2.840.10008.5.1.4.1.1.7',
} as const;

export const TransferSyntax = {
  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  Jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  Jpeg2000: '1.2.840.10008.1.2.4.91',
  RleLossless: '1.2.840.10008.1.2.5',
} as const;

export const OSTEON_IMPLEMENTATION_CLASS_UID = '2.25.135442520133568864033317150859433007786';
export const OSTEON_IMPLEMENTATION_VERSION = 'OSTEON_010';
