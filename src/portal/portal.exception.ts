import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum PortalErrorCode {
  /** The report is not signed (preliminary), or was withdrawn before it was ever signed. */
  NotReleased = 'PORTAL_NOT_RELEASED',
  /** A patient link that does not exist, expired or was revoked: all look the same outside. */
  LinkNotFound = 'PORTAL_LINK_NOT_FOUND',
  /** A patient asked for a report that is not theirs or not signed: it looks like a missing one. */
  ReportNotFound = 'PORTAL_REPORT_NOT_FOUND',
  /** An original image or heat map the PDF needs cannot be read. */
  ImageUnreadable = 'PORTAL_IMAGE_UNREADABLE',
}

const KINDS: Readonly<Record<PortalErrorCode, ErrorKind>> = {
  [PortalErrorCode.NotReleased]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [PortalErrorCode.LinkNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [PortalErrorCode.ReportNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  // The blob store or database may be back on a later try; the portal channel decides it will not wait.
  [PortalErrorCode.ImageUnreadable]: { httpStatus: HttpStatus.INTERNAL_SERVER_ERROR, retryable: true },
};

export class PortalException extends OsteonException<PortalErrorCode> {
  constructor(code: PortalErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
