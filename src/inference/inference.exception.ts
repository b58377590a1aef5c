import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum InferenceErrorCode {
  ModelNotAvailable = 'MODEL_NOT_AVAILABLE',
  ModelInvalid = 'MODEL_INVALID',
  InferenceFailed = 'INFERENCE_FAILED',
  /** The image-quality gate found nothing the model can read: no finding is given rather than a wrong one. */
  NotApplicable = 'AI_NOT_APPLICABLE',
}

/** A missing model may be installed and a failed run may pass; an invalid model stays invalid. Image decoding errors are ImagingException. */
const KINDS: Readonly<Record<InferenceErrorCode, ErrorKind>> = {
  [InferenceErrorCode.ModelNotAvailable]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
  [InferenceErrorCode.InferenceFailed]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: true },
  [InferenceErrorCode.ModelInvalid]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false },
  [InferenceErrorCode.NotApplicable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
};

/** Why the model could not analyse an image. `reason` is safe to log (no patient data). */
export class InferenceException extends OsteonException<InferenceErrorCode> {
  constructor(
    code: InferenceErrorCode,
    readonly reason: string,
  ) {
    super(code, `${code}: ${reason}`, KINDS[code]);
  }
}
