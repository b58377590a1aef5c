import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { AsyncLogDestination } from './log-destination';

/** stdout, written asynchronously: the engine never blocks on its own log. */
export const logDestination = new AsyncLogDestination(1);

/**
 * One structured logger for the process. Messages are fixed strings; data goes in the
 * object (UIDs and internal ids only, never names, birth dates or report text).
 */
export const rootLogger = pino(
  {
    level: process.env.OSTEON_LOG_LEVEL ?? 'info',
    base: { service: 'osteon' },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  logDestination,
);

export type Logger = pino.Logger;

export function moduleLogger(module: string): Logger {
  return rootLogger.child({ module });
}

/** Routes Nest's own framework messages through pino. */
export class PinoNestLogger implements LoggerService {
  private readonly logger = moduleLogger('nest');
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
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
