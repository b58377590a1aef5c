import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum AnalysisErrorCode {
  /** The model cannot read this image at all (bad pixel data): the study goes on without it. */
  ImageUnreadable = 'ANALYSIS_IMAGE_UNREADABLE',
  /** The image-quality gate found nothing the model can read (blank, uniform, noise, not a radiograph). */
  NotApplicable = 'ANALYSIS_NOT_APPLICABLE',
}

const KINDS: Readonly<Record<AnalysisErrorCode, ErrorKind>> = {
  [AnalysisErrorCode.ImageUnreadable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
  [AnalysisErrorCode.NotApplicable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
};

export class AnalysisException extends OsteonException<AnalysisErrorCode> {
  constructor(code: AnalysisErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
