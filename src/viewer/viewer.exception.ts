import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum ViewerErrorCode {
  /** vendor/ohif-viewer (or OSTEON_VIEWER_DIR) holds no built viewer: `npm ci` fetches it. */
  NotInstalled = 'VIEWER_NOT_INSTALLED',
  FileNotFound = 'VIEWER_FILE_NOT_FOUND',
}

const KINDS: Readonly<Record<ViewerErrorCode, ErrorKind>> = {
  [ViewerErrorCode.NotInstalled]: { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, retryable: true },
  [ViewerErrorCode.FileNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
};

export class ViewerException extends OsteonException<ViewerErrorCode> {
  constructor(code: ViewerErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
