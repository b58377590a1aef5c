import { HttpStatus } from '@nestjs/common';
import type { ZodError, ZodType, ZodTypeDef } from 'zod';
import { OsteonException } from './osteon.exception';

/** A request body, query or parameter that does not fit what the route takes. */
export class InvalidInputException extends OsteonException<'INVALID_INPUT'> {
  constructor(message: string) {
    super('INVALID_INPUT', message, { httpStatus: HttpStatus.BAD_REQUEST, retryable: false });
  }
}

/** Every bad field as `path: message` (zod's messages name the rule, not the value). */
export function describeIssues(error: ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

/** Parses request input with a schema; a mismatch is a 400 saying which fields are wrong. */
export function parseInput<Output, Input = Output>(
  schema: ZodType<Output, ZodTypeDef, Input>,
  raw: unknown,
  describe: (error: ZodError) => string = describeIssues,
): Output {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputException(describe(parsed.error));
  return parsed.data;
}
