import type { NextFunction, Request, Response } from 'express';
import { correlationIdFrom, enterCorrelationId } from './correlation';
import { moduleLogger, type Logger } from './logger';

/** Probes, scrapes and the console's static files: many, and of no interest unless debugging. */
const QUIET_ROUTES = new Set(['/livez', '/readyz', '/health', '/metrics', '/', '/*path']);

/** The route's pattern (`/api/reports/:id`), never the path itself or its query: those may carry patient ids. */
function routeOf(request: Request): string {
  const route = (request as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${request.baseUrl}${route.path}` : '(no route)';
}

/**
 * One line per HTTP request once its answer is sent: method, route, status, milliseconds and the
 * correlation id (the caller's `X-Correlation-Id` or `X-Request-Id` when acceptable, else a new one,
 * answered in `X-Correlation-Id`). Never bodies, query strings or headers. Everything the request
 * does runs under that id, so every log line it causes carries it.
 */
export function requestLog(logger: Logger = moduleLogger('http')): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    const correlationId = correlationIdFrom(request.headers['x-correlation-id'] ?? request.headers['x-request-id']);
    response.setHeader('X-Correlation-Id', correlationId);
    // Set once the request runs under its id; a response closed before that (synchronously, inside the handlers) releases it below.
    let release: (() => void) | undefined;
    let closed = false;
    response.once('close', () => {
      closed = true;
      release?.();
      const route = routeOf(request);
      const status = response.headersSent ? response.statusCode : 499;
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      const line = { method: request.method, route, status, ms, correlationId };
      if (status >= 500) logger.warn(line, 'HTTP request');
      else if (QUIET_ROUTES.has(route) && status < 400) logger.debug(line, 'HTTP request');
      else logger.info(line, 'HTTP request');
    });
    // Held until the response closes: the handlers go on after next() returns.
    const held = enterCorrelationId(correlationId, next);
    if (closed) held.release();
    else release = held.release;
  };
}
