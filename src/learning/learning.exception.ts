import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum LearningErrorCode {
  ModelNotFound = 'MODEL_NOT_FOUND',
  /** The model's status forbids the step (rejected by the gate, not a candidate, not in shadow mode). */
  ModelStatusConflict = 'MODEL_STATUS_CONFLICT',
  /** Someone else changed the model's status while this step ran: it may pass when tried again. */
  ModelChangedMeanwhile = 'MODEL_CHANGED_MEANWHILE',
  /** A retraining run that will fail the same way again (no labels, a bad trainer command, no frozen set). */
  RetrainingFailed = 'RETRAINING_FAILED',
}

const KINDS: Readonly<Record<LearningErrorCode, ErrorKind>> = {
  [LearningErrorCode.ModelNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [LearningErrorCode.ModelStatusConflict]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [LearningErrorCode.ModelChangedMeanwhile]: { httpStatus: HttpStatus.CONFLICT, retryable: true },
  [LearningErrorCode.RetrainingFailed]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false },
};

export class LearningException extends OsteonException<LearningErrorCode> {
  constructor(code: LearningErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
