import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum ConsoleErrorCode {
  /** No console file and no client route: answered like any unknown path. */
  FileNotFound = 'CONSOLE_FILE_NOT_FOUND',
  /** console/dist is missing (npm run console:build). */
  NotBuilt = 'CONSOLE_NOT_BUILT',
  InstanceNotFound = 'CONSOLE_INSTANCE_NOT_FOUND',
  /** The stored image cannot be decoded to a preview (an unsupported or broken pixel format). */
  InstanceUnrenderable = 'CONSOLE_INSTANCE_UNRENDERABLE',
}

const KINDS: Readonly<Record<ConsoleErrorCode, ErrorKind>> = {
  [ConsoleErrorCode.FileNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [ConsoleErrorCode.NotBuilt]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [ConsoleErrorCode.InstanceNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [ConsoleErrorCode.InstanceUnrenderable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
};

export class ConsoleException extends OsteonException<ConsoleErrorCode> {
  constructor(code: ConsoleErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
