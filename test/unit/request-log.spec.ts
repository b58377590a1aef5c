import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { correlationIdFrom, correlationTracking, currentCorrelationId } from '../../src/common/correlation';
import type { Logger } from '../../src/common/logger';
import { prettyLogs } from '../../src/common/logger';
import { requestLog } from '../../src/common/request-log.middleware';

function fakeLogger(): { logger: Logger; lines: Array<{ level: string; data: Record<string, unknown> }> } {
  const lines: Array<{ level: string; data: Record<string, unknown> }> = [];
  const at = (level: string) => (data: Record<string, unknown>) => lines.push({ level, data });
  return { logger: { info: at('info'), debug: at('debug'), warn: at('warn') } as unknown as Logger, lines };
}

function exchange(route: string | undefined, status: number, headers: Record<string, string> = {}) {
  const request = { method: 'GET', baseUrl: '', headers, route: route ? { path: route } : undefined } as unknown as Request;
  const response = Object.assign(new EventEmitter(), {
    statusCode: status,
    headersSent: true,
    answered: {} as Record<string, string>,
    setHeader(name: string, value: string) {
      this.answered[name] = value;
    },
  });
  return { request, response: response as unknown as Response & { answered: Record<string, string> } };
}

describe('HTTP request log', () => {
  it('logs method, route pattern, status, ms and correlation id once the answer is sent, and runs the request under that id until it closes', async () => {
    const { logger, lines } = fakeLogger();
    const { request, response } = exchange('/api/reports/:id', 404, { 'x-request-id': 'caller-id-1234' });
    let seen: string | undefined;
    let later: Promise<string | undefined> | undefined;
    requestLog(logger)(request, response, (() => {
      seen = currentCorrelationId();
      later = new Promise((resolve) => setImmediate(() => resolve(currentCorrelationId())));
    }) as NextFunction);
    expect(seen).toBe('caller-id-1234');
    expect(response.answered['X-Correlation-Id']).toBe('caller-id-1234');
    // The handlers go on after next() returns: the id stays theirs until the response closes.
    expect(correlationTracking()).toBe(true);
    await expect(later).resolves.toBe('caller-id-1234');
    response.emit('close');
    expect(correlationTracking()).toBe(false);
    expect(lines).toEqual([
      {
        level: 'info',
        data: { method: 'GET', route: '/api/reports/:id', status: 404, ms: expect.any(Number), correlationId: 'caller-id-1234' },
      },
    ]);
  });

  it('releases the id when the response closes inside the handlers, before next() returns', () => {
    const { logger, lines } = fakeLogger();
    const { request, response } = exchange('/api/studies', 200);
    requestLog(logger)(request, response, (() => response.emit('close')) as NextFunction);
    expect(lines).toHaveLength(1);
    expect(correlationTracking()).toBe(false);
  });

  it('keeps probes and the console files at debug unless they fail, and server errors at warn', () => {
    const { logger, lines } = fakeLogger();
    for (const [route, status] of [
      ['/readyz', 200],
      ['/*path', 200],
      ['/readyz', 503],
      ['/api/studies', 500],
    ] as const) {
      const { request, response } = exchange(route, status);
      requestLog(logger)(request, response, (() => undefined) as NextFunction);
      response.emit('close');
    }
    expect(lines.map((line) => line.level)).toEqual(['debug', 'debug', 'warn', 'warn']);
  });

  it('refuses caller ids that could forge log content', () => {
    expect(correlationIdFrom('abc')).not.toBe('abc');
    expect(correlationIdFrom('ok-id-12345\n{"level":60}')).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationIdFrom(['first-id-123', 'second'])).toBe('first-id-123');
  });

  it('is pretty on a terminal and JSON otherwise, unless told', () => {
    expect(prettyLogs('auto', true)).toBe(true);
    expect(prettyLogs('auto', false)).toBe(false);
    expect(prettyLogs('json', true)).toBe(false);
    expect(prettyLogs('pretty', false)).toBe(true);
  });
});
