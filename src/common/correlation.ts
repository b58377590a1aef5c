import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const storage = new AsyncLocalStorage<string>();

// What a caller may hand us as its id (X-Correlation-Id, X-Request-Id): short, no spaces or control characters.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Work running under an id now. While AsyncLocalStorage is enabled, Node 20 runs a hook for every
 * promise the process creates, whatever runs: measured at 7-10 % of the main thread's CPU per received
 * instance (bench/README.md, issue 21). So it is enabled only while something runs under an id (a
 * request, a job) and switched off when the last one ends; the C-STORE path passes its id by hand.
 * Work an id's holder leaves behind (a timer it started) logs without the id once nothing holds one.
 */
let holders = 0;

function hold(): () => void {
  holders += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0) storage.disable();
  };
}

/**
 * One id per study path: a request's or job's id follows its work into the jobs it schedules, inference,
 * the report and every delivery. Everything run inside `withCorrelationId` logs it on each line, until
 * `work` returns or, when it returns a promise, until that settles.
 */
export function withCorrelationId<T>(correlationId: string, work: () => T): T {
  const release = hold();
  let result: T;
  try {
    result = storage.run(correlationId, work);
  } catch (error) {
    release();
    throw error;
  }
  if (result instanceof Promise) return result.finally(release) as T;
  release();
  return result;
}

/**
 * Starts `work` under an id that stays current for what it leads to (callbacks, promises) until
 * `release` is called: for work that returns before it is finished, such as an HTTP request's handlers.
 */
export function enterCorrelationId(correlationId: string, work: () => void): { release: () => void } {
  const release = hold();
  try {
    storage.run(correlationId, work);
  } catch (error) {
    release();
    throw error;
  }
  return { release };
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

/** Whether any work runs under an id now (AsyncLocalStorage and its promise hook enabled). */
export function correlationTracking(): boolean {
  return holders > 0;
}

/** The caller's id when it is acceptable, else a new one. */
export function correlationIdFrom(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && ACCEPTABLE.test(value) ? value : randomUUID();
}
