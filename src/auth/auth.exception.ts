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
  /** Too many failed logins for the account or from the address: locked for a while (429, Retry-After). */
  TooManyAttempts = 'AUTH_TOO_MANY_ATTEMPTS',
  /** A new password is common, a trivial pattern, or contains the username. */
  WeakPassword = 'AUTH_WEAK_PASSWORD',
  /** The first operator exists: the one-time setup is gone for good. */
  SetupDone = 'AUTH_SETUP_DONE',
  /** First-operator setup from another machine without the start-up log's setup code. */
  SetupCodeRequired = 'AUTH_SETUP_CODE_REQUIRED',
}

const KINDS: Readonly<Record<AuthErrorCode, ErrorKind>> = {
  [AuthErrorCode.InvalidCredentials]: { httpStatus: HttpStatus.UNAUTHORIZED, retryable: false },
  [AuthErrorCode.CredentialRequired]: { httpStatus: HttpStatus.UNAUTHORIZED, retryable: false },
  [AuthErrorCode.InvalidToken]: { httpStatus: HttpStatus.UNAUTHORIZED, retryable: false },
  [AuthErrorCode.UsernameTaken]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [AuthErrorCode.UserNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [AuthErrorCode.TooManyAttempts]: { httpStatus: HttpStatus.TOO_MANY_REQUESTS, retryable: true },
  [AuthErrorCode.WeakPassword]: { httpStatus: HttpStatus.BAD_REQUEST, retryable: false },
  [AuthErrorCode.SetupDone]: { httpStatus: HttpStatus.GONE, retryable: false },
  [AuthErrorCode.SetupCodeRequired]: { httpStatus: HttpStatus.FORBIDDEN, retryable: false },
};

export class AuthException extends OsteonException<AuthErrorCode> {
  constructor(code: AuthErrorCode, message: string, retryAfterSeconds?: number) {
    super(code, message, retryAfterSeconds === undefined ? KINDS[code] : { ...KINDS[code], retryAfterSeconds });
  }
}
