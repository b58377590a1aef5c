import { Injectable } from '@nestjs/common';
import { ReportAnalyticsRepository } from '../reports/report-analytics.repository';
import { ShadowResultRepository } from './shadow-result.repository';

export interface ModelAgreement {
  readonly modelVersion: string;
  readonly role: 'drafting' | 'shadow';
  readonly reviewed: number;
  readonly agreed: number;
  readonly rate: number;
}

/** Doctors' agreement with each model version: the ones that drafted reports beside the shadow ones. */
@Injectable()
export class ModelAgreementService {
  constructor(
    private readonly reportAnalytics: ReportAnalyticsRepository,
    private readonly shadowResults: ShadowResultRepository,
  ) {}

  async agreement(): Promise<ModelAgreement[]> {
    const rate = (row: { reviewed: number; agreed: number }): number => (row.reviewed ? row.agreed / row.reviewed : 0);
    const drafting = await this.reportAnalytics.agreementByModelVersion();
    const shadow = await this.shadowResults.agreement();
    return [
      ...drafting.map((row) => ({ ...row, role: 'drafting' as const, rate: rate(row) })),
      ...shadow.map((row) => ({ ...row, role: 'shadow' as const, rate: rate(row) })),
    ];
  }
}
