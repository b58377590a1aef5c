import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidInputException } from '../common/invalid-input.exception';
import { isValidUid } from '../imaging/uid';
import { DicomwebUrls } from './dicomweb-urls';
import { parseAccept, type MediaRange } from './media-types';

/** The resource URLs of this request's origin (RetrieveURL, BulkDataURI point back where the client called). */
export const Urls = createParamDecorator((_data: unknown, context: ExecutionContext): DicomwebUrls => {
  const request = context.switchToHttp().getRequest<Request>();
  return DicomwebUrls.fromRequest(request.protocol, request.get('host'));
});

/** The Accept header as media ranges, best first. */
export const Accept = createParamDecorator((_data: unknown, context: ExecutionContext): MediaRange[] =>
  parseAccept(context.switchToHttp().getRequest<Request>().get('accept')),
);

/** A UID from the path, or a 400 naming the parameter. */
export function uidParam(name: string, value: string): string {
  if (!isValidUid(value)) throw new InvalidInputException(`${name} is not a valid UID`);
  return value;
}

/** `/frames/1,2,3`: one-based frame numbers, or a 400. */
export function frameNumbers(value: string): number[] {
  const numbers = value.split(',').map((part) => (/^\d+$/.test(part.trim()) ? Number.parseInt(part.trim(), 10) : Number.NaN));
  if (numbers.length === 0 || numbers.length > 1000 || numbers.some((number) => !(number >= 1))) {
    throw new InvalidInputException('frames must be a comma-separated list of frame numbers from 1');
  }
  return numbers;
}

/** A tag from the path (`7FE00010`), or a 400. */
export function tagParam(value: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(value)) throw new InvalidInputException('tag must be eight hexadecimal digits');
  return value.toUpperCase();
}
