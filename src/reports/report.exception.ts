import { HttpStatus } from '@nestjs/common';
import { OsteonException, type ErrorKind } from '../common/osteon.exception';

export enum ReportErrorCode {
  NotFound = 'REPORT_NOT_FOUND',
  /** A heat map that is not part of the report, or no longer stored. */
  HeatmapNotFound = 'REPORT_HEATMAP_NOT_FOUND',
  InvalidTransition = 'REPORT_INVALID_TRANSITION',
  /** Others kept changing the report while this change was tried: trying again may pass. */
  ConcurrentChange = 'REPORT_CONCURRENT_CHANGE',
}

const KINDS: Readonly<Record<ReportErrorCode, ErrorKind>> = {
  [ReportErrorCode.NotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [ReportErrorCode.HeatmapNotFound]: { httpStatus: HttpStatus.NOT_FOUND, retryable: false },
  [ReportErrorCode.InvalidTransition]: { httpStatus: HttpStatus.CONFLICT, retryable: false },
  [ReportErrorCode.ConcurrentChange]: { httpStatus: HttpStatus.CONFLICT, retryable: true },
};

export class ReportException extends OsteonException<ReportErrorCode> {
  constructor(code: ReportErrorCode, message: string) {
    super(code, message, KINDS[code]);
  }
}
