import { HttpStatus } from '@nestjs/common';
import { OsteonException } from '../common/osteon.exception';

/** An upload Osteon will not store (no image, not an image, another patient's DICOM file). */
export class RecordRejectedException extends OsteonException<'RECORD_REJECTED'> {
  constructor(message: string) {
    super('RECORD_REJECTED', message, { httpStatus: HttpStatus.BAD_REQUEST, retryable: false });
  }
}

/** An image with more pixels than OSTEON_MAX_IMAGE_PIXELS, refused from its header before decoding. */
export class ImageTooLargeException extends OsteonException<'IMAGE_TOO_LARGE'> {
  constructor(message: string) {
    super('IMAGE_TOO_LARGE', message, { httpStatus: HttpStatus.PAYLOAD_TOO_LARGE, retryable: false });
  }
}
