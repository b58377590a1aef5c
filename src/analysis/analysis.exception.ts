import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum AnalysisErrorCode {
  /** The model cannot read this image at all (bad pixel data): the study goes on without it. */
  ImageUnreadable = 'ANALYSIS_IMAGE_UNREADABLE',
  /** No image of the study could be read: retrying will not help. */
  NoReadableImage = 'ANALYSIS_NO_READABLE_IMAGE',
}

const KINDS: Readonly<Record<AnalysisErrorCode, ErrorKind>> = {
  [AnalysisErrorCode.ImageUnreadable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
  [AnalysisErrorCode.NoReadableImage]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
};

export class AnalysisException extends OsteonException<AnalysisErrorCode> {
  constructor(code: AnalysisErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
