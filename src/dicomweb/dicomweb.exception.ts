import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum DicomwebErrorCode {
  StudyNotFound = 'DICOMWEB_STUDY_NOT_FOUND',
  SeriesNotFound = 'DICOMWEB_SERIES_NOT_FOUND',
  InstanceNotFound = 'DICOMWEB_INSTANCE_NOT_FOUND',
  FrameNotFound = 'DICOMWEB_FRAME_NOT_FOUND',
  BulkDataNotFound = 'DICOMWEB_BULKDATA_NOT_FOUND',
  /** No representation the Accept header allows (PS3.18 8.7). */
  NotAcceptable = 'DICOMWEB_NOT_ACCEPTABLE',
  /** A STOW-RS body that is not `multipart/related` of `application/dicom`. */
  UnsupportedMediaType = 'DICOMWEB_UNSUPPORTED_MEDIA_TYPE',
  /** A STOW-RS body that breaks the multipart syntax. */
  MalformedBody = 'DICOMWEB_MALFORMED_BODY',
  /** A STOW-RS body over OSTEON_DICOMWEB_MAX_STOW_MB. */
  PayloadTooLarge = 'DICOMWEB_PAYLOAD_TOO_LARGE',
  /** The image cannot be rendered (colour model or bit depth Osteon does not render). */
  NotRenderable = 'DICOMWEB_NOT_RENDERABLE',
}

const KINDS: Readonly<Record<DicomwebErrorCode, ErrorKind>> = {
  [DicomwebErrorCode.StudyNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [DicomwebErrorCode.SeriesNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [DicomwebErrorCode.InstanceNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [DicomwebErrorCode.FrameNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [DicomwebErrorCode.BulkDataNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [DicomwebErrorCode.NotAcceptable]: { httpStatus: HttpStatus.NOT_ACCEPTABLE, retryable: false },
  [DicomwebErrorCode.UnsupportedMediaType]: { httpStatus: HttpStatus.UNSUPPORTED_MEDIA_TYPE, retryable: false },
  [DicomwebErrorCode.MalformedBody]: { httpStatus: HttpStatus.BAD_REQUEST, retryable: false },
  [DicomwebErrorCode.PayloadTooLarge]: { httpStatus: HttpStatus.PAYLOAD_TOO_LARGE, retryable: false },
  [DicomwebErrorCode.NotRenderable]: { httpStatus: HttpStatus.NOT_ACCEPTABLE, retryable: false },
};

/** A DICOMweb request Osteon cannot answer as asked; the message names the UID or header at fault. */
export class DicomwebException extends OsteonException<DicomwebErrorCode> {
  constructor(code: DicomwebErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
