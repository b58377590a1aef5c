import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

/** How a delivery attempt failed, in the words every channel shares; the runner records and classifies it. */
export enum DeliveryErrorCode {
  /** The receiver said no to this content (HL7 AR, a DICOM refusal, HTTP 4xx): sending it again cannot help. */
  ReceiverRefused = 'DELIVERY_REFUSED',
  /** The receiver could not take it now (HL7 AE, DICOM A7xx, HTTP 5xx, no answer): worth a retry. */
  ReceiverUnavailable = 'DELIVERY_RECEIVER_UNAVAILABLE',
  /** The same content builds the same way every time: it cannot be made into a message at all. */
  ContentUnbuildable = 'DELIVERY_CONTENT_UNBUILDABLE',
  /** Something the message needs (the patient PDF) could not be made this time. */
  ContentNotReady = 'DELIVERY_CONTENT_NOT_READY',
  /** An older delivery to the same in-order receiver is still waiting: this one goes after it. */
  WaitingBehindOlder = 'DELIVERY_WAITING_BEHIND_OLDER',
}

const KINDS: Readonly<Record<DeliveryErrorCode, ErrorKind>> = {
  [DeliveryErrorCode.ReceiverRefused]: { httpStatus: HttpStatus.BAD_GATEWAY, retryable: false },
  [DeliveryErrorCode.ReceiverUnavailable]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
  [DeliveryErrorCode.ContentUnbuildable]: { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, retryable: false },
  [DeliveryErrorCode.ContentNotReady]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
  [DeliveryErrorCode.WaitingBehindOlder]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
};

export class DeliveryException extends OsteonException<DeliveryErrorCode> {
  constructor(code: DeliveryErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, KINDS[code], options);
  }
}
