export enum FhirErrorCode {
  /** The server answered 4xx: the request as sent will never succeed. */
  Rejected = 'FHIR_REJECTED',
  /** 412: someone changed the resource since the version Osteon sent in If-Match. */
  VersionConflict = 'FHIR_VERSION_CONFLICT',
  /** 5xx, a timeout or no connection: worth retrying later. */
  Unavailable = 'FHIR_UNAVAILABLE',
  /** The server answered, but not with what FHIR promises (no id, wrong bundle). */
  BadResponse = 'FHIR_BAD_RESPONSE',
}

export class FhirException extends Error {
  constructor(
    readonly code: FhirErrorCode,
    message: string,
    readonly status: number | undefined = undefined,
  ) {
    super(message);
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
