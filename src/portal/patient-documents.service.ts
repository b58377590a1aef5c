import { Injectable } from '@nestjs/common';
import type { Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { PatientPdfService, type PatientPdf } from './patient-pdf.service';
import { examinationDay } from './patient-pdf.content';
import { PortalErrorCode, PortalException } from './portal.exception';
import { PortalLinkService } from './portal-link.service';
import { verdictSentence } from './plain-language';
import { patientDocumentKind } from './release.policy';

const MAX_REPORTS = 200;

export interface PatientReportItem {
  readonly id: string;
  readonly status: Report['status'];
  readonly corrected: boolean;
  readonly contentVersion: number;
  readonly examinedAt: Date;
  readonly bodyPart: string;
  readonly signedAt: Date | undefined;
  readonly pdfUrl: string;
  /** The doctor's verdict, for a page to word in the patient's language. */
  readonly verdict: { readonly fracture: boolean; readonly countClass: string; readonly bodyPart: string } | undefined;
  /** The verdict in plain English (as the PDF says it). */
  readonly summary: string | undefined;
}

function isSigned(report: Report): boolean {
  return report.status === 'final' || report.status === 'amended';
}

function isReportNotFound(error: unknown): boolean {
  return error instanceof ReportException && error.code === ReportErrorCode.NotFound;
}

/**
 * What a patient may read, by login or by link: their own signed reports only. Someone else's,
 * an unsigned, a missing report and a dead link all fail alike, so a probe learns nothing.
 */
@Injectable()
export class PatientDocumentsService {
  constructor(
    private readonly reports: ReportService,
    private readonly pdfs: PatientPdfService,
    private readonly links: PortalLinkService,
  ) {}

  async list(patientId: string | undefined): Promise<PatientReportItem[]> {
    if (!patientId) return [];
    const page = await this.reports.worklist({ patientId }, 0, MAX_REPORTS);
    // Worklist rows leave out the review history, which says whether a version is a correction.
    const signed = await Promise.all(page.items.filter(isSigned).map((row) => this.reports.get(row.id)));
    return signed.map((report) => ({
      id: report.id,
      status: report.status,
      corrected: patientDocumentKind(report) === 'corrected',
      contentVersion: report.contentVersion,
      // The same day the PDF names: the study's own date, else the day the images arrived.
      examinedAt: examinationDay(report),
      bodyPart: report.review?.verdict.bodyPart ?? report.findings?.bodyPart ?? 'unknown',
      signedAt: report.finalAt,
      pdfUrl: `/api/patient/reports/${report.id}/pdf`,
      verdict: report.review
        ? {
            fracture: report.review.verdict.fracture,
            countClass: report.review.verdict.countClass,
            bodyPart: report.review.verdict.bodyPart,
          }
        : undefined,
      summary: report.review ? verdictSentence(report.review.verdict) : undefined,
    }));
  }

  /** The PDF of one of the patient's own signed reports. */
  async forPatient(patientId: string | undefined, reportId: string, language?: string): Promise<PatientPdf> {
    const notFound = new PortalException(PortalErrorCode.ReportNotFound, 'no such report');
    const report = await this.reports.get(reportId).catch((error: unknown) => {
      throw isReportNotFound(error) ? notFound : error;
    });
    if (!patientId || report.patient.patientId !== patientId || !isSigned(report)) throw notFound;
    return this.pdfs.render(report, language);
  }

  /** The PDF a patient link was issued for: that version, while it is signed and the link lives. */
  async forLink(token: string): Promise<PatientPdf> {
    const notFound = new PortalException(PortalErrorCode.LinkNotFound, 'no such link');
    try {
      const link = await this.links.resolve(token);
      const report = await this.reports.get(link.reportId);
      // The link serves the version it was issued for; a newer one has its own link.
      if (report.contentVersion !== link.contentVersion || !isSigned(report)) throw notFound;
      return await this.pdfs.render(report);
    } catch (error) {
      throw error instanceof PortalException || isReportNotFound(error) ? notFound : error;
    }
  }
}
