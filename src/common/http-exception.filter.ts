import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { moduleLogger } from './logger';
import { FHIR_JSON, operationOutcome } from './operation-outcome';
import { OsteonException } from './osteon.exception';
import { PROBLEM_JSON, problemOf } from './problem-details';

/** `/fhir/...` (the read-only facade) and `/api/fhir/...` (the server's notifications) answer in FHIR. */
const FHIR_ROUTE = /^\/(api\/)?fhir(\/|$)/;

/**
 * The one place an error becomes an HTTP answer: RFC 9457 problem details, or a FHIR
 * OperationOutcome on FHIR routes. Controllers throw and never catch; a module's exception
 * carries its own status (OsteonException), so no route maps errors by hand.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = moduleLogger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const problem = problemOf(exception);
    if (problem.status >= 500) {
      const error = exception as Error | undefined;
      this.logger.error(
        { method: request.method, path: request.path, code: problem.code, err: error?.message, stack: error?.stack },
        'request failed',
      );
    }
    // A streamed file that broke half-way has already sent its status: only the connection can end.
    if (response.headersSent) {
      response.end();
      return;
    }
    const fhir = FHIR_ROUTE.test(request.path);
    const retryAfter = exception instanceof OsteonException ? exception.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    else if (problem.status === 503) response.setHeader('Retry-After', '30');
    // A body refused as too large is not read: close the connection rather than drain it.
    if (problem.status === 413) response.setHeader('Connection', 'close');
    response
      .status(problem.status)
      .type(fhir ? FHIR_JSON : PROBLEM_JSON)
      .send(JSON.stringify(fhir ? operationOutcome(problem) : problem));
  }
}
