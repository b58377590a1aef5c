export enum IngestErrorCode {
  Unreadable = 'UNREADABLE',
  MissingAttribute = 'MISSING_ATTRIBUTE',
  InvalidUid = 'INVALID_UID',
  SopClassMismatch = 'SOP_CLASS_MISMATCH',
  SopInstanceMismatch = 'SOP_INSTANCE_MISMATCH',
  SopClassNotSupported = 'SOP_CLASS_NOT_SUPPORTED',
  TransferSyntaxNotSupported = 'TRANSFER_SYNTAX_NOT_SUPPORTED',
  NoPixelData = 'NO_PIXEL_DATA',
  StorageFailure = 'STORAGE_FAILURE',
}

/** Why an instance was not stored; `reason` is safe to log (no patient data). */
export class IngestException extends Error {
  constructor(
    readonly code: IngestErrorCode,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }
}
