import { Controller, Get, HttpException, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type * as R4 from 'fhir/r4';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { Report, ReportStatus } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { FhirDeliveryService } from './fhir-delivery.service';
import { buildResources } from './fhir-resources.builder';

const FHIR_JSON = 'application/fhir+json';
const STATUSES: readonly ReportStatus[] = ['preliminary', 'final', 'amended', 'entered-in-error'];

function operationOutcome(status: number, code: string, text: string): HttpException {
  return new HttpException({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] }, status);
}

/**
 * Read-only FHIR R4 view of Osteon's own reports, for an EHR that pulls instead of receiving:
 * each DiagnosticReport carries its Patient, ImagingStudy, Device and Observations as contained
 * resources (the test engine and many servers lack _include, so nothing needs a second call).
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('fhir')
export class FhirFacadeController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly delivery: FhirDeliveryService,
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
    if (status !== undefined && !STATUSES.includes(status as ReportStatus))
      throw operationOutcome(400, 'value', `unsupported status ${status}`);
    const patientId = patient?.replace(/^Patient\//, '');
    const page = await this.reports.worklist({ status: status as ReportStatus | undefined, patientId }, 0, 100);
    const entry: R4.BundleEntry[] = [];
    for (const item of page.items) {
      const report = await this.reports.get(item.id);
      entry.push({ fullUrl: `DiagnosticReport/${report.id}`, resource: await this.asFhir(report), search: { mode: 'match' } });
    }
    await this.audit.record({
      actor: user,
      action: 'fhir.report.search',
      resourceType: 'report',
      resourceId: '*',
      details: { count: entry.length },
    });
    response.type(FHIR_JSON);
    return { resourceType: 'Bundle', type: 'searchset', total: page.total, entry };
  }

  @Get('DiagnosticReport/:id')
  @Roles('doctor', 'operator')
  async read(
    @Param('id') id: string,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<R4.DiagnosticReport> {
    try {
      const report = await this.reports.get(id);
      await this.audit.record({ actor: user, action: 'fhir.report.read', resourceType: 'report', resourceId: report.id });
      const resource = await this.asFhir(report);
      response.type(FHIR_JSON);
      return resource;
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.NotFound)
        throw operationOutcome(404, 'not-found', `DiagnosticReport/${id} not found`);
      throw error;
    }
  }

  private async asFhir(report: Report): Promise<R4.DiagnosticReport> {
    const site = {
      system: this.config.fhir?.system ?? 'urn:osteon:',
      patientIdSystem: this.config.fhir?.patientIdSystem ?? 'urn:osteon:patient-id',
    };
    const planned = buildResources(report, await this.delivery.seriesOf(report), site, (slot) => `#${slot}`);
    const main = planned.find((item) => item.slot === 'report')?.resource as R4.DiagnosticReport;
    const contained = planned
      .filter((item) => item.slot !== 'report')
      .map((item) => ({ ...item.resource, id: item.slot }) as R4.FhirResource);
    return {
      ...main,
      id: report.id,
      meta: { ...main.meta, lastUpdated: report.updatedAt.toISOString(), versionId: String(report.revision) },
      contained,
    };
  }
}
