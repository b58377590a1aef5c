import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum AuthErrorCode {
  /** Unknown user, wrong password and disabled account answer alike. */
  InvalidCredentials = 'AUTH_INVALID_CREDENTIALS',
  CredentialRequired = 'AUTH_CREDENTIAL_REQUIRED',
  /** Bad signature, expired, or its user is gone or disabled. */
  InvalidToken = 'AUTH_INVALID_TOKEN',
  UsernameTaken = 'AUTH_USERNAME_TAKEN',
  UserNotFound = 'AUTH_USER_NOT_FOUND',
}

const KINDS: Readonly<Record<AuthErrorCode, ErrorKind>> = {
  [AuthErrorCode.InvalidCredentials]: { httpStatus: HttpStatus.UNAUTHORIZED, retryable: false },
  [AuthErrorCode.CredentialRequired]: { httpStatus: HttpStatus.UNAUTHORIZED, retryable: false },
  [AuthErrorCode.InvalidToken]: { httpStatus: HttpStatus.UNAUTHORIZED, retryable: false },
  [AuthErrorCode.UsernameTaken]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [AuthErrorCode.UserNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
};

export class AuthException extends OsteonException<AuthErrorCode> {
  constructor(code: AuthErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
