import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum PacsErrorCode {
  /** The banner came out empty: no usable font on this machine. */
  BannerUnrenderable = 'PACS_BANNER_UNRENDERABLE',
  /** The result objects can never be made from these originals (no analysed image, an undecodable one). */
  ResultObjectsUnbuildable = 'PACS_RESULT_OBJECTS_UNBUILDABLE',
}

/** A retry would fail the same way: both are dead-lettered at once. */
const KINDS: Readonly<Record<PacsErrorCode, ErrorKind>> = {
  [PacsErrorCode.BannerUnrenderable]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: false },
  [PacsErrorCode.ResultObjectsUnbuildable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
};

export class PacsException extends OsteonException<PacsErrorCode> {
  constructor(code: PacsErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
