import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { currentCorrelationId } from './correlation';
import { AsyncLogDestination } from './log-destination';

/** stdout, written asynchronously: the engine never blocks on its own log. */
export const logDestination = new AsyncLogDestination(1);

/** `OSTEON_LOG_FORMAT`: `pretty` for people, `json` for machines; `auto` (default) is pretty on a terminal. */
export function prettyLogs(format = process.env.OSTEON_LOG_FORMAT ?? 'auto', isTerminal = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format !== 'json' && isTerminal);
}

/**
 * Formats each line for a terminal in this process and hands it to the same asynchronous
 * destination: no worker transport (which can hang on a full disk), no synchronous write.
 */
function destination(): pino.DestinationStream {
  if (!prettyLogs()) return logDestination;
  const prettify = prettyFactory({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'service,module',
    messageFormat: '{if module}[{module}] {end}{msg}',
    singleLine: true,
  });
  return { write: (line: string) => void logDestination.write(prettify(line)) };
}

/**
 * One structured logger for the process. Messages are fixed strings; data goes in the
 * object (UIDs and internal ids only, never names, birth dates or report text). Work running
 * under a correlation id (an association, a request, a job) logs it on every line.
 */
export const rootLogger = pino(
  {
    level: process.env.OSTEON_LOG_LEVEL ?? 'info',
    base: { service: 'osteon' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: (_object, _level, logger) => {
      const correlationId = currentCorrelationId();
      // A logger that binds its own id (a job's, an association's) says it once.
      if (correlationId === undefined || hasBoundCorrelationId(logger)) return {};
      return { correlationId };
    },
  },
  destination(),
);

export type Logger = pino.Logger;

function hasBoundCorrelationId(logger: pino.Logger): boolean {
  const bindings = (logger as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym];
  return typeof bindings === 'string' && bindings.includes('"correlationId":');
}

export function moduleLogger(module: string): Logger {
  return rootLogger.child({ module });
}

/**
 * Routes Nest's own framework messages through pino. Its `log` level is module and route
 * registration chatter: debug here, so a start-up shows what a person needs to read.
 */
export class PinoNestLogger implements LoggerService {
  private readonly logger = moduleLogger('nest');
  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
