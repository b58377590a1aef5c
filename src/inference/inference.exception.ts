import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum InferenceErrorCode {
  ModelNotAvailable = 'MODEL_NOT_AVAILABLE',
  ModelInvalid = 'MODEL_INVALID',
  NotDicom = 'NOT_DICOM',
  NoPixelData = 'NO_PIXEL_DATA',
  MissingAttribute = 'MISSING_ATTRIBUTE',
  UnsupportedTransferSyntax = 'UNSUPPORTED_TRANSFER_SYNTAX',
  UnsupportedPhotometric = 'UNSUPPORTED_PHOTOMETRIC',
  UnsupportedBitDepth = 'UNSUPPORTED_BIT_DEPTH',
  UnsupportedFrameLayout = 'UNSUPPORTED_FRAME_LAYOUT',
  InvalidPixelData = 'INVALID_PIXEL_DATA',
  DecodeFailed = 'DECODE_FAILED',
  ImageUnreadable = 'IMAGE_UNREADABLE',
  InferenceFailed = 'INFERENCE_FAILED',
}

const BAD_INPUT: ErrorKind = { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false };

/** Bad input (everything but the model and runtime codes) will fail the same way again: do not retry. */
const KINDS: Readonly<Record<InferenceErrorCode, ErrorKind>> = {
  [InferenceErrorCode.ModelNotAvailable]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
  [InferenceErrorCode.InferenceFailed]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: true },
  [InferenceErrorCode.ModelInvalid]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false },
  [InferenceErrorCode.NotDicom]: BAD_INPUT,
  [InferenceErrorCode.NoPixelData]: BAD_INPUT,
  [InferenceErrorCode.MissingAttribute]: BAD_INPUT,
  [InferenceErrorCode.UnsupportedTransferSyntax]: BAD_INPUT,
  [InferenceErrorCode.UnsupportedPhotometric]: BAD_INPUT,
  [InferenceErrorCode.UnsupportedBitDepth]: BAD_INPUT,
  [InferenceErrorCode.UnsupportedFrameLayout]: BAD_INPUT,
  [InferenceErrorCode.InvalidPixelData]: BAD_INPUT,
  [InferenceErrorCode.DecodeFailed]: BAD_INPUT,
  [InferenceErrorCode.ImageUnreadable]: BAD_INPUT,
};

/** Why an image could not be analysed. `reason` is safe to log (no patient data). */
export class InferenceException extends OsteonException<InferenceErrorCode> {
  constructor(
    code: InferenceErrorCode,
    readonly reason: string,
  ) {
    super(code, `${code}: ${reason}`, KINDS[code]);
  }
}
