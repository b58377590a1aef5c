import { HttpStatus } from '@nestjs/common';
import { OsteonException } from '../common/osteon.exception';

/** A bad environment: the engine does not start (exit 78), and the message names the variable. */
export class ConfigError extends OsteonException<'CONFIG_INVALID'> {
  constructor(message: string) {
    super('CONFIG_INVALID', message, { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false });
  }
}
