import { Injectable } from '@nestjs/common';
import { ReportAnalyticsRepository, type DateRange } from '../reports/report-analytics.repository';

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Department figures: volume over time, open work per doctor, turnaround, AI–doctor agreement. */
@Injectable()
export class AnalyticsService {
  constructor(private readonly reports: ReportAnalyticsRepository) {}

  reportsOverTime(bucket: 'hour' | 'day', range: DateRange): Promise<Array<{ bucket: string; count: number }>> {
    return this.reports.createdPerBucket(bucket, range);
  }

  async openReportsPerDoctor(now = new Date()): Promise<Array<{ doctor: string; open: number; oldestAgeSeconds: number }>> {
    const rows = await this.reports.openPerDoctor();
    return rows.map((row) => ({
      doctor: row.doctor,
      open: row.open,
      oldestAgeSeconds: Math.round((now.getTime() - new Date(row.oldestCreatedAt).getTime()) / 1000),
    }));
  }

  async turnaround(range: DateRange): Promise<{
    reports: number;
    signed: number;
    medianReceivedToPreliminarySeconds: number | undefined;
    medianPreliminaryToFinalSeconds: number | undefined;
    medianReceivedToFinalSeconds: number | undefined;
  }> {
    const rows = await this.reports.turnaroundTimes(range);
    const seconds = (from: Date, to: Date): number => (new Date(to).getTime() - new Date(from).getTime()) / 1000;
    const signed = rows.filter((row): row is typeof row & { finalAt: Date } => row.finalAt !== undefined && row.finalAt !== null);
    return {
      reports: rows.length,
      signed: signed.length,
      // From the last image to the draft that read it: never negative, also for a study a late image re-opened.
      medianReceivedToPreliminarySeconds: median(rows.map((row) => seconds(row.lastReceivedAt, row.analysedAt ?? row.preliminaryAt))),
      medianPreliminaryToFinalSeconds: median(signed.map((row) => seconds(row.preliminaryAt, row.finalAt))),
      medianReceivedToFinalSeconds: median(signed.map((row) => seconds(row.lastReceivedAt, row.finalAt))),
    };
  }

  async agreement(range: DateRange): Promise<Array<{ bodyPart: string; reviewed: number; agreed: number; rate: number }>> {
    const rows = await this.reports.agreementByBodyPart(range);
    return rows.map((row) => ({ ...row, rate: row.reviewed > 0 ? row.agreed / row.reviewed : 0 }));
  }
}
