import { StorageSopClass, TransferSyntax } from '../imaging/dicom-file.constants';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

/** C-FIND information models Osteon answers for its own studies. */
export const QueryRootSopClass = {
  PatientRootFind: '1.2.840.10008.5.1.4.1.2.1.1',
  StudyRootFind: '1.2.840.10008.5.1.4.1.2.2.1',
} as const;

export const QUERY_SOP_CLASSES: ReadonlySet<string> = new Set(Object.values(QueryRootSopClass));

export const ACCEPTED_STORAGE_SOP_CLASSES: ReadonlySet<string> = new Set(Object.values(StorageSopClass));

/**
 * Preference when a modality proposes several syntaxes for one context: lossless compressed
 * first (smaller, exact), then uncompressed, and lossy only when nothing else is offered, so
 * an uncompressed original is never recompressed lossily on our account. 12-bit JPEG (4.51)
 * is absent on purpose: nothing in Node decodes it, so the modality falls back.
 */
export const TRANSFER_SYNTAX_PREFERENCE: readonly string[] = [
  TransferSyntax.JpegLsLossless,
  TransferSyntax.JpegLosslessSv1,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.RleLossless,
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.JpegBaseline,
  TransferSyntax.Jpeg2000,
];

export const ENCAPSULATED_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([
  TransferSyntax.JpegBaseline,
  TransferSyntax.JpegLosslessSv1,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.Jpeg2000,
  TransferSyntax.RleLossless,
]);

/** C-FIND response statuses Osteon sends (PS3.4 C.4.1.1.4). */
export const FindStatus = {
  Success: 0x0000,
  Pending: 0xff00,
  OutOfResources: 0xa700,
  IdentifierDoesNotMatchSopClass: 0xa900,
  UnableToProcess: 0xc000,
} as const;

/** C-STORE response statuses Osteon sends (PS3.4 B.2.3). */
export const StoreStatus = {
  Success: 0x0000,
  OutOfResources: 0xa700,
  DataSetDoesNotMatchSopClass: 0xa900,
  CannotUnderstand: 0xc000,
  SopClassNotSupported: 0x0122,
} as const;
