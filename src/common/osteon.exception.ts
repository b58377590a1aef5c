/** What an error code means outside its module: the HTTP status it answers with, and whether retrying can help. */
export interface ErrorKind {
  readonly httpStatus: number;
  /** A job that hit it may succeed on a later attempt (an outage, a conflict); false: bad input, dead-letter at once. */
  readonly retryable: boolean;
  /** Answered as `Retry-After` (429 throttling, 503): when the caller may try again. */
  readonly retryAfterSeconds?: number;
}

/**
 * The base of every exception Osteon throws on purpose. Each module declares an enum of codes and
 * the kind of each (its HTTP status, whether a job may retry it); callers match on `code`, never on
 * the message. Messages are safe to log and to answer with: no patient names, birth dates or text.
 * No Nest import here: pixel worker threads load exceptions and should start light.
 */
export abstract class OsteonException<Code extends string = string> extends Error {
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  protected constructor(
    readonly code: Code,
    message: string,
    kind: ErrorKind,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.httpStatus = kind.httpStatus;
    this.retryable = kind.retryable;
    this.retryAfterSeconds = kind.retryAfterSeconds;
  }
}

/** True for an Osteon exception that will fail the same way again: a job dead-letters it at once. */
export function isPermanent(error: unknown): boolean {
  return error instanceof OsteonException && !error.retryable;
}
