import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum IngestErrorCode {
  Unreadable = 'UNREADABLE',
  MissingAttribute = 'MISSING_ATTRIBUTE',
  InvalidUid = 'INVALID_UID',
  SopClassMismatch = 'SOP_CLASS_MISMATCH',
  SopInstanceMismatch = 'SOP_INSTANCE_MISMATCH',
  StudyMismatch = 'STUDY_MISMATCH',
  SopClassNotSupported = 'SOP_CLASS_NOT_SUPPORTED',
  TransferSyntaxNotSupported = 'TRANSFER_SYNTAX_NOT_SUPPORTED',
  NoPixelData = 'NO_PIXEL_DATA',
  /** Rows/Columns, bits or samples disagree with the pixel data (its length, its bitstream's header). */
  PixelDataInconsistent = 'PIXEL_DATA_INCONSISTENT',
  /** More pixels than OSTEON_MAX_IMAGE_PIXELS: refused before anything is decoded. */
  ImageTooLarge = 'IMAGE_TOO_LARGE',
  StorageFailure = 'STORAGE_FAILURE',
}

const REFUSED: ErrorKind = { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false };

/** A stored file with bad content is refused for good; a storage failure may pass later. */
const KINDS: Readonly<Record<IngestErrorCode, ErrorKind>> = {
  [IngestErrorCode.Unreadable]: REFUSED,
  [IngestErrorCode.MissingAttribute]: REFUSED,
  [IngestErrorCode.InvalidUid]: REFUSED,
  [IngestErrorCode.SopClassMismatch]: REFUSED,
  [IngestErrorCode.SopInstanceMismatch]: REFUSED,
  [IngestErrorCode.StudyMismatch]: REFUSED,
  [IngestErrorCode.SopClassNotSupported]: REFUSED,
  [IngestErrorCode.TransferSyntaxNotSupported]: REFUSED,
  [IngestErrorCode.NoPixelData]: REFUSED,
  [IngestErrorCode.PixelDataInconsistent]: REFUSED,
  [IngestErrorCode.ImageTooLarge]: { httpStatus: HttpStatus.PAYLOAD_TOO_LARGE, retryable: false },
  [IngestErrorCode.StorageFailure]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: true },
};

/** Why an instance was not stored; `reason` is safe to log (no patient data). */
export class IngestException extends OsteonException<IngestErrorCode> {
  constructor(
    code: IngestErrorCode,
    readonly reason: string,
  ) {
    super(code, `${code}: ${reason}`, KINDS[code]);
  }
}
