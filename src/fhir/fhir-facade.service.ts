import { Inject, Injectable } from '@nestjs/common';
import type * as R4 from 'fhir/r4';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { Report, ReportStatus } from '../reports/report';
import { ReportService } from '../reports/report.service';
import { FhirDeliveryService } from './fhir-delivery.service';
import { buildResources } from './fhir-resources.builder';
import { FhirErrorCode, FhirException } from './fhir.exception';

const STATUSES: readonly ReportStatus[] = ['preliminary', 'final', 'amended', 'entered-in-error'];
const PAGE = 100;

/**
 * Osteon's own reports as FHIR R4: each DiagnosticReport carries its Patient, ImagingStudy, Device
 * and Observations as contained resources (the test engine and many servers lack _include, so
 * nothing needs a second call).
 */
@Injectable()
export class FhirFacadeService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly delivery: FhirDeliveryService,
  ) {}

  async search(patient: string | undefined, status: string | undefined): Promise<R4.Bundle> {
    if (status !== undefined && !STATUSES.includes(status as ReportStatus)) {
      throw new FhirException(FhirErrorCode.InvalidRequest, `unsupported status ${status}`);
    }
    const patientId = patient?.replace(/^Patient\//, '');
    const page = await this.reports.worklist({ status: status as ReportStatus | undefined, patientId }, 0, PAGE);
    const entry: R4.BundleEntry[] = [];
    for (const item of page.items) {
      const report = await this.reports.get(item.id);
      entry.push({ fullUrl: `DiagnosticReport/${report.id}`, resource: await this.asFhir(report), search: { mode: 'match' } });
    }
    return { resourceType: 'Bundle', type: 'searchset', total: page.total, entry };
  }

  async read(id: string): Promise<R4.DiagnosticReport> {
    return this.asFhir(await this.reports.get(id));
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
