import { ForbiddenException, NotFoundException, UnauthorizedException, type ArgumentsHost } from '@nestjs/common';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { InvalidInputException, parseInput } from '../../src/common/invalid-input.exception';
import { isPermanent } from '../../src/common/osteon.exception';
import { problemOf } from '../../src/common/problem-details';
import { ReportErrorCode, ReportException } from '../../src/reports/report.exception';
import { z } from 'zod';

function answer(
  exception: unknown,
  path: string,
): { status: number; type: string; body: Record<string, unknown>; headers: Record<string, string> } {
  const sent = { status: 0, type: '', body: {} as Record<string, unknown>, headers: {} as Record<string, string> };
  const response = {
    headersSent: false,
    setHeader(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return response;
    },
    status(code: number) {
      sent.status = code;
      return response;
    },
    type(value: string) {
      sent.type = value;
      return response;
    },
    send(text: string) {
      sent.body = JSON.parse(text) as Record<string, unknown>;
      return response;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ method: 'GET', path }), getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return sent;
}

describe('error answers (one filter for every route)', () => {
  it('answers a module exception as problem+json with its code and status', () => {
    const { status, type, body } = answer(new ReportException(ReportErrorCode.NotFound, 'report r1 not found'), '/api/reports/r1');
    expect(status).toBe(404);
    expect(type).toBe('application/problem+json');
    expect(body).toEqual({
      type: 'urn:osteon:problem:report-not-found',
      title: 'Report not found',
      status: 404,
      detail: 'report r1 not found',
      code: 'REPORT_NOT_FOUND',
      statusCode: 404,
      error: 'Not Found',
      message: 'report r1 not found',
    });
  });

  it("keeps Nest's own members for plain HTTP errors (the console reads message)", () => {
    expect(answer(new UnauthorizedException('invalid username or password'), '/api/auth/login').body).toMatchObject({
      type: 'about:blank',
      status: 401,
      code: 'UNAUTHORIZED',
      statusCode: 401,
      error: 'Unauthorized',
      message: 'invalid username or password',
    });
    expect(problemOf(new NotFoundException())).toMatchObject({ status: 404, title: 'Not Found', detail: 'Not Found' });
  });

  it('answers anything unexpected with a bare 500 that leaks nothing', () => {
    const { status, body } = answer(new Error('connection string mongodb://secret@db'), '/api/reports');
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(body).toMatchObject({ code: 'INTERNAL_ERROR', detail: 'Internal server error' });
  });

  it('answers 503 (try again) when the database cannot take the request, e.g. its disk is full', () => {
    const full = Object.assign(new Error('the embedded database could not write its journal (ENOSPC)'), {
      name: 'MongoServerError',
      code: 14031,
    });
    expect(answer(full, '/api/reports/x/confirm')).toMatchObject({
      status: 503,
      body: { code: 'DATABASE_UNAVAILABLE' },
      headers: { 'retry-after': '30' },
    });
    const unreachable = Object.assign(new Error('Server selection timed out'), { name: 'MongoServerSelectionError' });
    expect(answer(unreachable, '/api/reports')).toMatchObject({ status: 503 });
    const bug = Object.assign(new Error('bad $set'), { name: 'MongoServerError', code: 9 });
    expect(answer(bug, '/api/reports')).toMatchObject({ status: 500 });
  });

  it('answers on FHIR routes with an OperationOutcome', () => {
    for (const path of ['/fhir/DiagnosticReport/x', '/api/fhir/notify']) {
      const { status, type, body } = answer(new ForbiddenException('role clerk may not do this'), path);
      expect(status).toBe(403);
      expect(type).toBe('application/fhir+json');
      expect(body).toEqual({
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'forbidden',
            details: { coding: [{ system: 'urn:osteon:problem', code: 'FORBIDDEN' }], text: 'role clerk may not do this' },
          },
        ],
      });
    }
  });

  it('turns a schema mismatch into a 400 naming the field, and tells jobs what not to retry', () => {
    expect(() => parseInput(z.object({ limit: z.coerce.number().max(10) }), { limit: '99' })).toThrow(
      new InvalidInputException('limit: Number must be less than or equal to 10'),
    );
    expect(isPermanent(new ReportException(ReportErrorCode.NotFound, 'gone'))).toBe(true);
    expect(isPermanent(new ReportException(ReportErrorCode.ConcurrentChange, 'busy'))).toBe(false);
    expect(isPermanent(new Error('socket hang up'))).toBe(false);
  });
});
