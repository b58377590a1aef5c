import { Controller, Get, Header, Param, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { ApiFileResponse } from '../common/openapi';
import { ReportService } from '../reports/report.service';
import { PatientPdfService } from './patient-pdf.service';
import { pdfFile } from './portal-http';

/** The patient PDF as staff see it: 409 until a doctor has signed the report. */
@ApiTags('portal')
@ApiBearerAuth()
@Controller('api/reports')
export class ReportPdfController {
  constructor(
    private readonly reports: ReportService,
    private readonly pdfs: PatientPdfService,
    private readonly audit: AuditService,
  ) {}

  @Get(':id/pdf')
  @Roles('doctor', 'operator')
  @Header('Cache-Control', 'no-store')
  @ApiFileResponse('application/pdf', 'the patient PDF (409 until the report is signed)')
  async pdf(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser): Promise<StreamableFile> {
    const document = await this.pdfs.render(await this.reports.get(id));
    await this.audit.record({
      actor: user,
      action: 'report.pdf.read',
      resourceType: 'report',
      resourceId: id,
      details: { contentVersion: document.contentVersion, kind: document.kind },
    });
    return pdfFile(document);
  }
}
