import { HttpStatus } from '@nestjs/common';
import { OsteonException } from '../common/osteon.exception';

/** An upload Osteon will not store (no image, not an image, another patient's DICOM file). */
export class RecordRejectedException extends OsteonException<'RECORD_REJECTED'> {
  constructor(message: string) {
    super('RECORD_REJECTED', message, { httpStatus: HttpStatus.BAD_REQUEST, retryable: false });
  }
}
