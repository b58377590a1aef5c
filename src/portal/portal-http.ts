import { ConflictException, NotFoundException, StreamableFile } from '@nestjs/common';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import type { PatientPdf } from './patient-pdf.service';
import { PortalErrorCode, PortalException } from './portal.exception';

/** Maps the portal's and the reports module's errors to HTTP for the portal's routes. */
export function portalHttpError(error: unknown): unknown {
  if (error instanceof ReportException) {
    switch (error.code) {
      case ReportErrorCode.NotFound:
        return new NotFoundException(error.message);
      case ReportErrorCode.InvalidTransition:
      case ReportErrorCode.ConcurrentChange:
        return new ConflictException(error.message);
    }
  }
  if (error instanceof PortalException) {
    switch (error.code) {
      case PortalErrorCode.NotReleased:
        return new ConflictException(error.message);
      case PortalErrorCode.LinkNotFound:
        return new NotFoundException();
      case PortalErrorCode.ImageUnreadable:
        return error;
    }
  }
  return error;
}

export function pdfFile(document: PatientPdf): StreamableFile {
  return new StreamableFile(document.pdf, {
    type: 'application/pdf',
    disposition: `inline; filename="${document.filename}"`,
    length: document.pdf.length,
  });
}
