import { Controller, Get, Header, Param, Query, type StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { ApiFileResponse, ApiJsonResponse, isoDate, listSchema } from '../common/openapi';
import { PatientDocumentsService, type PatientReportItem } from './patient-documents.service';
import { pdfFile } from './portal-http';

const patientReportsSchema = listSchema(
  z.object({
    id: z.string(),
    status: z.enum(['preliminary', 'final', 'amended', 'entered-in-error']),
    corrected: z.boolean(),
    contentVersion: z.number().int(),
    examinedAt: isoDate,
    bodyPart: z.string(),
    signedAt: isoDate.optional(),
    pdfUrl: z.string(),
  }),
);

/** A patient's own signed reports: the list, and each one's PDF. Nothing unsigned, nobody else's. */
@ApiTags('portal')
@ApiBearerAuth()
@Roles('patient')
@Controller('api/patient/reports')
export class PatientReportsController {
  constructor(
    private readonly documents: PatientDocumentsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiJsonResponse('PatientReports', patientReportsSchema, { description: 'the patient’s own signed reports, with their PDF links' })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<{ items: PatientReportItem[] }> {
    if (!user.patientId) return { items: [] };
    const items = await this.documents.list(user.patientId);
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
  @ApiFileResponse('application/pdf', 'the patient PDF of a signed report')
  async pdf(@Param('id') id: string, @Query('lang') lang: unknown, @CurrentUser() user: AuthenticatedUser): Promise<StreamableFile> {
    // The page's language (two letters); anything else reads as the site's default.
    const language = typeof lang === 'string' && /^[a-z]{2}$/.test(lang) ? lang : undefined;
    const document = await this.documents.forPatient(user.patientId, id, language);
    await this.audit.record({
      actor: user,
      action: 'report.pdf.read',
      resourceType: 'report',
      resourceId: document.reportId,
      details: { contentVersion: document.contentVersion, language: language ?? 'default' },
    });
    return pdfFile(document);
  }
}
