import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum FhirErrorCode {
  /** The server answered 4xx: the request as sent will never succeed. */
  Rejected = 'FHIR_REJECTED',
  /** 412: someone changed the resource since the version Osteon sent in If-Match. */
  VersionConflict = 'FHIR_VERSION_CONFLICT',
  /** 5xx, a timeout or no connection: worth retrying later. */
  Unavailable = 'FHIR_UNAVAILABLE',
  /** The server answered, but not with what FHIR promises (no id, wrong bundle). */
  BadResponse = 'FHIR_BAD_RESPONSE',
  /** OSTEON_FHIR_URL is not set: there is no server to talk to. */
  NotConfigured = 'FHIR_NOT_CONFIGURED',
  /** A FHIR request to Osteon it cannot take (a search parameter, a notification without reports). */
  InvalidRequest = 'FHIR_INVALID_REQUEST',
  /** A report with no AI finding and no doctor's verdict yet: nothing to say in FHIR until a doctor reads it. */
  NotAvailable = 'FHIR_NOT_AVAILABLE',
}

const KINDS: Readonly<Record<FhirErrorCode, ErrorKind>> = {
  [FhirErrorCode.Rejected]: { httpStatus: HttpStatus.BAD_GATEWAY, retryable: false },
  [FhirErrorCode.VersionConflict]: { httpStatus: HttpStatus.CONFLICT, retryable: true },
  [FhirErrorCode.Unavailable]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
  [FhirErrorCode.BadResponse]: { httpStatus: HttpStatus.BAD_GATEWAY, retryable: true },
  [FhirErrorCode.NotConfigured]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [FhirErrorCode.InvalidRequest]: { httpStatus: HttpStatus.BAD_REQUEST, retryable: false },
  [FhirErrorCode.NotAvailable]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
};

export class FhirException extends OsteonException<FhirErrorCode> {
  constructor(
    code: FhirErrorCode,
    message: string,
    /** What the FHIR server answered, when it answered. */
    readonly serverStatus: number | undefined = undefined,
  ) {
    super(code, message, KINDS[code]);
  }
}

/** The first issue texts of an OperationOutcome (what the server says is wrong). */
export function outcomeText(body: unknown): string {
  const outcome = body as
    { resourceType?: string; issue?: Array<{ diagnostics?: string; details?: { text?: string }; code?: string }> } | undefined;
  if (outcome?.resourceType !== 'OperationOutcome' || !outcome.issue?.length) return typeof body === 'string' ? body.slice(0, 300) : '';
  return outcome.issue
    .slice(0, 3)
    .map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.code ?? 'error')
    .join('; ');
}
