import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum ImagingErrorCode {
  NotDicom = 'NOT_DICOM',
  NoPixelData = 'NO_PIXEL_DATA',
  MissingAttribute = 'MISSING_ATTRIBUTE',
  UnsupportedTransferSyntax = 'UNSUPPORTED_TRANSFER_SYNTAX',
  UnsupportedPhotometric = 'UNSUPPORTED_PHOTOMETRIC',
  UnsupportedBitDepth = 'UNSUPPORTED_BIT_DEPTH',
  UnsupportedFrameLayout = 'UNSUPPORTED_FRAME_LAYOUT',
  FrameNotFound = 'FRAME_NOT_FOUND',
  InvalidPixelData = 'INVALID_PIXEL_DATA',
  DecodeFailed = 'DECODE_FAILED',
  ImageUnreadable = 'IMAGE_UNREADABLE',
  /** The pixel worker died or the pool is closed: the image itself may be fine. */
  WorkerFailed = 'PIXEL_WORKER_FAILED',
}

// Plain numbers, not Nest's HttpStatus: this file is loaded in pixel worker threads, which start light.
const UNPROCESSABLE: ErrorKind = { httpStatus: 422, retryable: false };

/** An image that will not decode fails the same way every time; a failed worker may not. */
const KINDS: Readonly<Record<ImagingErrorCode, ErrorKind>> = {
  [ImagingErrorCode.NotDicom]: UNPROCESSABLE,
  [ImagingErrorCode.NoPixelData]: UNPROCESSABLE,
  [ImagingErrorCode.MissingAttribute]: UNPROCESSABLE,
  [ImagingErrorCode.UnsupportedTransferSyntax]: UNPROCESSABLE,
  [ImagingErrorCode.UnsupportedPhotometric]: UNPROCESSABLE,
  [ImagingErrorCode.UnsupportedBitDepth]: UNPROCESSABLE,
  [ImagingErrorCode.UnsupportedFrameLayout]: UNPROCESSABLE,
  [ImagingErrorCode.FrameNotFound]: { httpStatus: 404, retryable: false },
  [ImagingErrorCode.InvalidPixelData]: UNPROCESSABLE,
  [ImagingErrorCode.DecodeFailed]: UNPROCESSABLE,
  [ImagingErrorCode.ImageUnreadable]: UNPROCESSABLE,
  [ImagingErrorCode.WorkerFailed]: { httpStatus: 500, retryable: true },
};

/** Why an image could not be read or decoded. `reason` is safe to log (no patient data). */
export class ImagingException extends OsteonException<ImagingErrorCode> {
  constructor(
    code: ImagingErrorCode,
    readonly reason: string,
  ) {
    super(code, `${code}: ${reason}`, KINDS[code]);
  }
}

export function isImagingErrorCode(code: string | undefined): code is ImagingErrorCode {
  return code !== undefined && (Object.values(ImagingErrorCode) as string[]).includes(code);
}
