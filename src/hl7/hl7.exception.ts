import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

/** Why Osteon refused an inbound message; each code decides the ACK code and the ERR-3 code. */
export enum Hl7ErrorCode {
  Malformed = 'malformed',
  UnsupportedMessageType = 'unsupported-message-type',
  UnsupportedResultStatus = 'unsupported-result-status',
  RequiredFieldMissing = 'required-field-missing',
  UnknownValue = 'unknown-value',
  UnknownReport = 'unknown-report',
  ReportNotUpdatable = 'report-not-updatable',
  InProgress = 'in-progress',
  /** MSH-3/MSH-4 and the connection's address are not a configured trusted sender. */
  UntrustedSender = 'untrusted-sender',
  /** OBR-32 names no active doctor account in Osteon. */
  UnknownInterpreter = 'unknown-interpreter',
  Internal = 'internal',
}

const REFUSED: ErrorKind = { httpStatus: HttpStatus.BAD_REQUEST, retryable: false };

/** The sender may send again what was busy or failed inside Osteon; the rest is refused for good. */
const KINDS: Readonly<Record<Hl7ErrorCode, ErrorKind>> = {
  [Hl7ErrorCode.Malformed]: REFUSED,
  [Hl7ErrorCode.UnsupportedMessageType]: REFUSED,
  [Hl7ErrorCode.UnsupportedResultStatus]: REFUSED,
  [Hl7ErrorCode.RequiredFieldMissing]: REFUSED,
  [Hl7ErrorCode.UnknownValue]: REFUSED,
  [Hl7ErrorCode.UnknownReport]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [Hl7ErrorCode.ReportNotUpdatable]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [Hl7ErrorCode.InProgress]: { httpStatus: HttpStatus.CONFLICT, retryable: true },
  [Hl7ErrorCode.UntrustedSender]: { httpStatus: HttpStatus.FORBIDDEN, retryable: false },
  [Hl7ErrorCode.UnknownInterpreter]: { httpStatus: HttpStatus.FORBIDDEN, retryable: false },
  [Hl7ErrorCode.Internal]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: true },
};

export class Hl7Exception extends OsteonException<Hl7ErrorCode> {
  constructor(code: Hl7ErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}

export interface AckDecision {
  /** AE: Osteon could not process it (the sender may retry); AR: Osteon does not accept it. */
  readonly ackCode: 'AE' | 'AR';
  /** HL7 table 0357 message error condition code for ERR-3. */
  readonly errorCondition: { readonly code: string; readonly text: string };
}

export function ackDecisionOf(code: Hl7ErrorCode): AckDecision {
  switch (code) {
    case Hl7ErrorCode.Malformed:
      return { ackCode: 'AE', errorCondition: { code: '100', text: 'Segment sequence error' } };
    case Hl7ErrorCode.UnsupportedMessageType:
      return { ackCode: 'AR', errorCondition: { code: '200', text: 'Unsupported message type' } };
    case Hl7ErrorCode.UnsupportedResultStatus:
      return { ackCode: 'AR', errorCondition: { code: '103', text: 'Table value not found' } };
    case Hl7ErrorCode.RequiredFieldMissing:
      return { ackCode: 'AE', errorCondition: { code: '101', text: 'Required field missing' } };
    case Hl7ErrorCode.UnknownValue:
      return { ackCode: 'AE', errorCondition: { code: '103', text: 'Table value not found' } };
    case Hl7ErrorCode.UnknownReport:
      return { ackCode: 'AE', errorCondition: { code: '204', text: 'Unknown key identifier' } };
    case Hl7ErrorCode.ReportNotUpdatable:
      return { ackCode: 'AE', errorCondition: { code: '206', text: 'Application record locked' } };
    case Hl7ErrorCode.InProgress:
      return { ackCode: 'AE', errorCondition: { code: '206', text: 'Application record locked' } };
    case Hl7ErrorCode.UntrustedSender:
      return { ackCode: 'AR', errorCondition: { code: '204', text: 'Unknown key identifier' } };
    case Hl7ErrorCode.UnknownInterpreter:
      return { ackCode: 'AR', errorCondition: { code: '204', text: 'Unknown key identifier' } };
    case Hl7ErrorCode.Internal:
      return { ackCode: 'AE', errorCondition: { code: '207', text: 'Application internal error' } };
  }
}
