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

/**
 * Why an image could not be analysed. `reason` is safe to log (no patient data). Bad input
 * (everything but the model and runtime codes) will fail the same way again: do not retry.
 */
export class InferenceException extends Error {
  constructor(
    readonly code: InferenceErrorCode,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'InferenceException';
  }

  get retryable(): boolean {
    switch (this.code) {
      case InferenceErrorCode.ModelNotAvailable:
      case InferenceErrorCode.InferenceFailed:
        return true;
      case InferenceErrorCode.ModelInvalid:
      case InferenceErrorCode.NotDicom:
      case InferenceErrorCode.NoPixelData:
      case InferenceErrorCode.MissingAttribute:
      case InferenceErrorCode.UnsupportedTransferSyntax:
      case InferenceErrorCode.UnsupportedPhotometric:
      case InferenceErrorCode.UnsupportedBitDepth:
      case InferenceErrorCode.UnsupportedFrameLayout:
      case InferenceErrorCode.InvalidPixelData:
      case InferenceErrorCode.DecodeFailed:
      case InferenceErrorCode.ImageUnreadable:
        return false;
    }
  }
}
