import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum QueryErrorCode {
  /** The identifier does not fit the information model (C-FIND A900). */
  IdentifierInvalid = 'QUERY_IDENTIFIER_INVALID',
  /** More matches than Osteon answers (C-FIND A700): narrow the query. */
  TooManyMatches = 'QUERY_TOO_MANY_MATCHES',
}

const KINDS: Readonly<Record<QueryErrorCode, ErrorKind>> = {
  [QueryErrorCode.IdentifierInvalid]: { httpStatus: HttpStatus.BAD_REQUEST, retryable: false },
  [QueryErrorCode.TooManyMatches]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
};

/** A C-FIND Osteon refuses; the message goes back as the Error Comment. */
export class QueryException extends OsteonException<QueryErrorCode> {
  constructor(code: QueryErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}

/** The identifier itself is malformed (thrown while parsing it). */
export class QueryIdentifierError extends QueryException {
  constructor(message: string) {
    super(QueryErrorCode.IdentifierInvalid, message);
  }
}
