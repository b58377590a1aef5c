import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import { OsteonException } from './osteon.exception';

export const PROBLEM_JSON = 'application/problem+json';

/**
 * An error answer as RFC 9457 problem details, plus the members of Nest's own error body
 * (`statusCode`, `error`, `message`), kept for clients written against it: the console reads `message`.
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Osteon's error code (REPORT_NOT_FOUND, …), or the status name for a plain HTTP error (NOT_FOUND). */
  readonly code: string;
  readonly statusCode: number;
  readonly error: string;
  readonly message: string | string[];
}

const INTERNAL_DETAIL = 'Internal server error';

function phrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function statusName(status: number): string {
  return (HttpStatus as unknown as Record<number, string | undefined>)[status] ?? `HTTP_${status}`;
}

/** `REPORT_NOT_FOUND` → `urn:osteon:problem:report-not-found`, titled "Report not found". */
function typed(code: string): { type: string; title: string } {
  const words = code.toLowerCase().replace(/_/g, '-');
  const title = words.replace(/-/g, ' ');
  return { type: `urn:osteon:problem:${words}`, title: title.charAt(0).toUpperCase() + title.slice(1) };
}

function plain(status: number, message: string | string[], code = statusName(status)): ProblemDetails {
  const detail = Array.isArray(message) ? message.join('; ') : message;
  return { type: 'about:blank', title: phrase(status), status, detail, code, statusCode: status, error: phrase(status), message };
}

/** Errors from libraries that follow the http-errors convention (body parser: 400, 413, …). */
function httpErrorStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 && error instanceof Error ? status : undefined;
}

// MongoDB server codes that mean "not now": a full disk (the embedded database's journal, or a
// server's), a server shutting down or stepping down. The write was not made; retrying later can work.
const UNAVAILABLE_CODES = new Set([14031, 91, 11600, 189, 10107, 13435, 11602]);
const UNAVAILABLE_NAMES = new Set(['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoWriteConcernError']);

/** True when the database could not take the request (as opposed to a bug): 503, try again later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    UNAVAILABLE_NAMES.has(error.name) || (error.name === 'MongoServerError' && typeof code === 'number' && UNAVAILABLE_CODES.has(code))
  );
}

/** The answer for anything a request handler, guard or pipe threw. */
export function problemOf(error: unknown): ProblemDetails {
  if (error instanceof OsteonException) {
    const status = error.httpStatus;
    return {
      ...typed(error.code),
      status,
      detail: error.message,
      code: error.code,
      statusCode: status,
      error: phrase(status),
      message: error.message,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    if (typeof body === 'string') return plain(status, body);
    const message = (body as { message?: unknown }).message;
    return plain(status, typeof message === 'string' || Array.isArray(message) ? (message as string | string[]) : error.message);
  }
  const status = httpErrorStatus(error);
  if (status !== undefined && status < 500) return plain(status, (error as Error).message);
  if (isDatabaseUnavailable(error)) {
    const detail = 'the database cannot store or read this now (disk full or unavailable); nothing was changed: try again later';
    return { ...plain(HttpStatus.SERVICE_UNAVAILABLE, detail, 'DATABASE_UNAVAILABLE'), ...typed('DATABASE_UNAVAILABLE') };
  }
  return plain(HttpStatus.INTERNAL_SERVER_ERROR, INTERNAL_DETAIL, 'INTERNAL_ERROR');
}
