import type * as R4 from 'fhir/r4';
import type { ProblemDetails } from './problem-details';

export const FHIR_JSON = 'application/fhir+json';

/** The FHIR issue type (the IssueType value set) nearest to an HTTP status. */
function issueType(status: number): R4.OperationOutcomeIssue['code'] {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
    case 412:
      return 'conflict';
    case 422:
      return 'processing';
    case 429:
      return 'throttled';
    case 501:
      return 'not-supported';
    case 503:
      return 'transient';
    default:
      return status < 500 ? 'invalid' : 'exception';
  }
}

/** A problem as the OperationOutcome FHIR clients expect; Osteon's code rides along as a coding. */
export function operationOutcome(problem: ProblemDetails): R4.OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: problem.status >= 500 ? 'fatal' : 'error',
        code: issueType(problem.status),
        details: { coding: [{ system: 'urn:osteon:problem', code: problem.code }], text: problem.detail },
      },
    ],
  };
}
