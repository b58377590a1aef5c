export enum ReportErrorCode {
  NotFound = 'REPORT_NOT_FOUND',
  InvalidTransition = 'REPORT_INVALID_TRANSITION',
  ConcurrentChange = 'REPORT_CONCURRENT_CHANGE',
}

export class ReportException extends Error {
  constructor(
    readonly code: ReportErrorCode,
    message: string,
  ) {
    super(message);
  }
}
