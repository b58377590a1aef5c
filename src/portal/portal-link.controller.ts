import { Controller, Get, Header, Param, type StreamableFile } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { PatientDocumentsService } from './patient-documents.service';
import { pdfFile } from './portal-http';

/** How a link holder appears in the audit trail: acting as the patient, through a link. */
const LINK_ACTOR: AuthenticatedUser = Object.freeze({ id: 'portal-link', username: 'patient-link', role: 'patient' });

/**
 * The patient link: the token is the credential. Unknown, expired, revoked and superseded
 * tokens all get the same 404, so a probe learns nothing about which reports exist.
 */
@ApiTags('portal')
@Controller('portal')
export class PortalLinkController {
  constructor(
    private readonly documents: PatientDocumentsService,
    private readonly audit: AuditService,
  ) {}

  @Get(':token')
  @Public()
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  async open(@Param('token') token: string): Promise<StreamableFile> {
    const document = await this.documents.forLink(token);
    await this.audit.record({
      actor: LINK_ACTOR,
      action: 'report.pdf.read',
      resourceType: 'report',
      resourceId: document.reportId,
      details: { contentVersion: document.contentVersion, via: 'portal-link' },
    });
    return pdfFile(document);
  }
}
