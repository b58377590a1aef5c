import { Body, Controller, HttpCode, HttpException, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type * as R4 from 'fhir/r4';
import { Roles } from '../auth/auth.decorators';
import { FhirDeliveryService } from './fhir-delivery.service';
import { FhirVerdictService } from './fhir-verdict.service';

function operationOutcome(status: number, code: string, text: string): HttpException {
  return new HttpException({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] }, status);
}

/** The DiagnosticReports a notification carries: one resource, or a (subscription) Bundle. */
export function reportsIn(body: unknown): R4.DiagnosticReport[] {
  const resource = body as R4.Resource | undefined;
  if (resource?.resourceType === 'DiagnosticReport') return [resource as R4.DiagnosticReport];
  if (resource?.resourceType === 'Bundle') {
    return ((resource as R4.Bundle).entry ?? [])
      .map((entry) => entry.resource)
      .filter((item): item is R4.DiagnosticReport => item?.resourceType === 'DiagnosticReport');
  }
  return [];
}

/**
 * Rest-hook endpoint for FHIR servers that push. Authenticated like every operator call (the
 * server's subscription sends `Authorization: Bearer <operator key or token>`); the body only
 * names what changed: Osteon re-reads the server's current copy before acting on it.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Controller('api/fhir')
export class FhirNotifyController {
  constructor(
    private readonly delivery: FhirDeliveryService,
    private readonly verdicts: FhirVerdictService,
  ) {}

  @Post('notify')
  @HttpCode(200)
  @Roles('operator')
  async notify(@Body() body: unknown): Promise<{ processed: Array<{ id: string | undefined; action: string; reason?: string }> }> {
    if (!this.delivery.enabled) throw operationOutcome(409, 'not-supported', 'the FHIR channel is not configured (OSTEON_FHIR_URL)');
    const reports = reportsIn(body);
    if (reports.length === 0) throw operationOutcome(400, 'invalid', 'expected a DiagnosticReport or a Bundle with DiagnosticReports');
    const processed: Array<{ id: string | undefined; action: string; reason?: string }> = [];
    for (const report of reports) {
      const action = await this.verdicts.notified(report);
      processed.push({ id: report.id, action: action.kind, ...(action.kind === 'ignore' ? { reason: action.reason } : {}) });
    }
    return { processed };
  }
}
