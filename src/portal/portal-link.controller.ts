import { Controller, Get, Header, NotFoundException, Param, type StreamableFile } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { Public } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { PatientPdfService } from './patient-pdf.service';
import { PortalException } from './portal.exception';
import { PortalLinkService } from './portal-link.service';
import { pdfFile } from './portal-http';

/** How a link holder appears in the audit trail: acting as the patient, through a link. */
const LINK_ACTOR: AuthenticatedUser = Object.freeze({ id: 'portal-link', username: 'patient-link', role: 'patient' });

/**
 * The patient link: the token is the credential. Unknown, expired, revoked and superseded
 * tokens all get the same bare 404, so a probe learns nothing about which reports exist.
 */
@ApiTags('portal')
@Controller('portal')
export class PortalLinkController {
  constructor(
    private readonly links: PortalLinkService,
    private readonly reports: ReportService,
    private readonly pdfs: PatientPdfService,
    private readonly audit: AuditService,
  ) {}

  @Get(':token')
  @Public()
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  async open(@Param('token') token: string): Promise<StreamableFile> {
    try {
      const link = await this.links.resolve(token);
      const report = await this.reports.get(link.reportId);
      // The link serves the version it was issued for; a newer one has its own link.
      if (report.contentVersion !== link.contentVersion || (report.status !== 'final' && report.status !== 'amended'))
        throw new NotFoundException();
      const document = await this.pdfs.render(report);
      await this.audit.record({
        actor: LINK_ACTOR,
        action: 'report.pdf.read',
        resourceType: 'report',
        resourceId: report.id,
        details: { contentVersion: report.contentVersion, via: 'portal-link' },
      });
      return pdfFile(document);
    } catch (error) {
      if (error instanceof PortalException || error instanceof NotFoundException || isReportNotFound(error)) throw new NotFoundException();
      throw error;
    }
  }
}

function isReportNotFound(error: unknown): boolean {
  return error instanceof ReportException && error.code === ReportErrorCode.NotFound;
}
