import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type * as R4 from 'fhir/r4';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { FHIR_JSON } from '../common/operation-outcome';
import { FhirFacadeService } from './fhir-facade.service';

/**
 * Read-only FHIR R4 view of Osteon's own reports, for an EHR that pulls instead of receiving.
 * Errors on these routes answer as OperationOutcome (the global HttpExceptionFilter).
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('fhir')
export class FhirFacadeController {
  constructor(
    private readonly facade: FhirFacadeService,
    private readonly audit: AuditService,
  ) {}

  @Get('DiagnosticReport')
  @Roles('doctor', 'operator')
  async search(
    @Query('patient') patient: string | undefined,
    @Query('status') status: string | undefined,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<R4.Bundle> {
    const bundle = await this.facade.search(patient, status);
    const count = bundle.entry?.length ?? 0;
    await this.audit.record({ actor: user, action: 'fhir.report.search', resourceType: 'report', resourceId: '*', details: { count } });
    response.type(FHIR_JSON);
    return bundle;
  }

  @Get('DiagnosticReport/:id')
  @Roles('doctor', 'operator')
  async read(
    @Param('id') id: string,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<R4.DiagnosticReport> {
    const resource = await this.facade.read(id);
    await this.audit.record({ actor: user, action: 'fhir.report.read', resourceType: 'report', resourceId: id });
    response.type(FHIR_JSON);
    return resource;
  }
}
