import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const storage = new AsyncLocalStorage<string>();

// What a caller may hand us as its id (X-Correlation-Id, X-Request-Id): short, no spaces or control characters.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * One id per study path: an association's or request's id follows its work into jobs, inference, the
 * report and every delivery. Everything run inside `withCorrelationId` logs it on each line.
 */
export function withCorrelationId<T>(correlationId: string, work: () => T): T {
  return storage.run(correlationId, work);
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

/** The caller's id when it is acceptable, else a new one. */
export function correlationIdFrom(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && ACCEPTABLE.test(value) ? value : randomUUID();
}
