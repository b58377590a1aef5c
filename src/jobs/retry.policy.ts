import { isPermanent } from '../common/osteon.exception';

/** Where a job stands: the attempt now running (1 is the first) and how many it may have. */
export interface AttemptCount {
  readonly attempt: number;
  readonly maxAttempts: number;
  /** No retry after this instant (a delivery's maximum age). */
  readonly expiresAt?: Date;
}

export type FailureOutcome = { readonly kind: 'retry' } | { readonly kind: 'dead'; readonly reason: 'permanent' | 'exhausted' | 'expired' };

/**
 * The retry policy, one place for the job worker and every delivery channel: an error that will
 * fail the same way again (OsteonException with retryable false: bad input, a refusal) is dead at
 * once; anything else is retried with back-off until the attempt budget is spent or, for a
 * delivery, until its maximum age (an outage of a RIS or FHIR server lasts hours, not a minute).
 */
export function failureOutcome(error: unknown, count: AttemptCount, now = new Date()): FailureOutcome {
  if (error instanceof DecidedFailure) return error.outcome;
  if (isPermanent(error)) return { kind: 'dead', reason: 'permanent' };
  if (count.expiresAt && now >= count.expiresAt) return { kind: 'dead', reason: 'expired' };
  if (count.attempt >= count.maxAttempts) return { kind: 'dead', reason: 'exhausted' };
  return { kind: 'retry' };
}

/**
 * A failure whose outcome a handler already decided and recorded (a delivery writes `failed` or
 * `dead` to the report): the worker follows that decision instead of reading the clock again, so
 * at the maximum age the job and the report's delivery log never disagree.
 */
export class DecidedFailure extends Error {
  constructor(
    readonly outcome: FailureOutcome,
    failure: unknown,
  ) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
    this.name = 'DecidedFailure';
  }
}

/** Exponential back-off with a cap, so a failing downstream is retried, not hammered. */
export function backoffDelay(attempts: number, baseMs: number, capMs = 15 * 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}
