import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum JobErrorCode {
  Unrecoverable = 'JOB_UNRECOVERABLE',
  TargetGone = 'JOB_TARGET_GONE',
  NotFound = 'JOB_NOT_FOUND',
  NotReplayable = 'JOB_NOT_REPLAYABLE',
}

const KINDS: Readonly<Record<JobErrorCode, ErrorKind>> = {
  [JobErrorCode.Unrecoverable]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false },
  [JobErrorCode.TargetGone]: { httpStatus: HttpStatus.GONE, retryable: false },
  [JobErrorCode.NotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  // Only a dead-lettered job can be replayed; anything else is "not a dead letter", like a missing one.
  [JobErrorCode.NotReplayable]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
};

export class JobException extends OsteonException<JobErrorCode> {
  constructor(code: JobErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, KINDS[code], options);
  }
}

/** The job's input can never succeed (bad data): dead-letter at once, no retry. */
export class UnrecoverableJobError extends JobException {
  constructor(message: string, options?: ErrorOptions) {
    super(JobErrorCode.Unrecoverable, message, options);
  }
}

/** The job's target no longer exists: finish quietly. */
export class JobTargetGoneError extends JobException {
  constructor(message: string) {
    super(JobErrorCode.TargetGone, message);
  }
}
