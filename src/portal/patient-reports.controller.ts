import { Controller, Get, Header, NotFoundException, Param, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import type { Report } from '../reports/report';
import { ReportService } from '../reports/report.service';
import { PatientPdfService } from './patient-pdf.service';
import { pdfFile, portalHttpError } from './portal-http';
import { patientDocumentKind } from './release.policy';

const MAX_REPORTS = 200;

/** A patient's own signed reports: the list, and each one's PDF. Nothing unsigned, nobody else's. */
@ApiTags('portal')
@ApiBearerAuth()
@Roles('patient')
@Controller('api/patient/reports')
export class PatientReportsController {
  constructor(
    private readonly reports: ReportService,
    private readonly pdfs: PatientPdfService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async list(@CurrentUser() user: AuthenticatedUser): Promise<{ items: Record<string, unknown>[] }> {
    if (!user.patientId) return { items: [] };
    const page = await this.reports.worklist({ patientId: user.patientId }, 0, MAX_REPORTS);
    // Worklist rows leave out the review history, which says whether a version is a correction.
    const signed = await Promise.all(page.items.filter(isSigned).map((row) => this.reports.get(row.id)));
    const items = signed.map((report) => ({
      id: report.id,
      status: report.status,
      corrected: patientDocumentKind(report) === 'corrected',
      contentVersion: report.contentVersion,
      examinedAt: report.firstReceivedAt,
      bodyPart: report.review?.verdict.bodyPart ?? report.findings.bodyPart,
      signedAt: report.finalAt,
      pdfUrl: `/api/patient/reports/${report.id}/pdf`,
    }));
    await this.audit.record({
      actor: user,
      action: 'patient.report.list',
      resourceType: 'report',
      resourceId: '*',
      details: { count: items.length },
    });
    return { items };
  }

  @Get(':id/pdf')
  @Header('Cache-Control', 'no-store')
  async pdf(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<StreamableFile> {
    try {
      const report = await this.reports.get(id);
      // Someone else's report and an unsigned one answer exactly like a missing one.
      if (!user.patientId || report.patient.patientId !== user.patientId || !isSigned(report)) throw new NotFoundException();
      const document = await this.pdfs.render(report);
      await this.audit.record({
        actor: user,
        action: 'report.pdf.read',
        resourceType: 'report',
        resourceId: report.id,
        details: { contentVersion: document.contentVersion },
      });
      return pdfFile(document);
    } catch (error) {
      const mapped = portalHttpError(error);
      throw mapped instanceof NotFoundException ? new NotFoundException() : mapped;
    }
  }
}

function isSigned(report: Report): boolean {
  return report.status === 'final' || report.status === 'amended';
}
