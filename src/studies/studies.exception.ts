import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum StudiesErrorCode {
  StudyNotFound = 'STUDY_NOT_FOUND',
  InstanceNotFound = 'INSTANCE_NOT_FOUND',
}

const KINDS: Readonly<Record<StudiesErrorCode, ErrorKind>> = {
  [StudiesErrorCode.StudyNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [StudiesErrorCode.InstanceNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
};

export class StudiesException extends OsteonException<StudiesErrorCode> {
  constructor(code: StudiesErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
