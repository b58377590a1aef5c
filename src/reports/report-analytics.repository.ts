import { Injectable } from '@nestjs/common';
import { ReportRepository } from './report.repository';

export interface DateRange {
  readonly from?: Date;
  readonly to?: Date;
}

function createdWithin(range: DateRange): Record<string, unknown> {
  if (!range.from && !range.to) return {};
  return { createdAt: { ...(range.from ? { $gte: range.from } : {}), ...(range.to ? { $lt: range.to } : {}) } };
}

/** Aggregation pipelines over `reports`, owned by the reports module and served by analytics. */
@Injectable()
export class ReportAnalyticsRepository {
  constructor(private readonly reports: ReportRepository) {}

  async createdPerBucket(bucket: 'hour' | 'day', range: DateRange): Promise<Array<{ bucket: string; count: number }>> {
    // Buckets are UTC days and hours.
    const format = bucket === 'hour' ? '%Y-%m-%dT%H:00Z' : '%Y-%m-%d';
    const rows = await this.reports.collection
      .aggregate<{ _id: string; count: number }>([
        { $match: createdWithin(range) },
        { $group: { _id: { $dateToString: { format, date: '$createdAt' } }, count: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    return rows.map((row) => ({ bucket: row._id, count: row.count }));
  }

  async openPerDoctor(): Promise<Array<{ doctor: string; open: number; oldestCreatedAt: Date }>> {
    const rows = await this.reports.collection
      .aggregate<{ _id: string | null; open: number; oldestCreatedAt: Date }>([
        { $match: { status: 'preliminary' } },
        { $group: { _id: '$assignedTo.username', open: { $sum: 1 }, oldestCreatedAt: { $min: '$createdAt' } } },
        { $sort: { open: -1 } },
      ])
      .toArray();
    return rows.map((row) => ({ doctor: row._id ?? 'unassigned', open: row.open, oldestCreatedAt: row.oldestCreatedAt }));
  }

  /** The timestamps turnaround is computed from, for reports created in the range. */
  async turnaroundTimes(
    range: DateRange,
  ): Promise<Array<{ lastReceivedAt: Date; analysedAt: Date; preliminaryAt: Date; finalAt: Date | undefined }>> {
    const rows = await this.reports.collection
      .find(createdWithin(range), { projection: { lastReceivedAt: 1, analysedAt: 1, preliminaryAt: 1, finalAt: 1, statusHistory: 1 } })
      .toArray();
    return rows.map((row) => ({
      lastReceivedAt: row.lastReceivedAt,
      // The draft that covers the last image (a late image re-reads the study).
      analysedAt: row.analysedAt,
      // The first AI draft, even if a late image re-opened the report since.
      preliminaryAt: row.statusHistory.find((change) => change.status === 'preliminary')?.at ?? row.preliminaryAt,
      finalAt: row.finalAt,
    }));
  }

  /** Doctors' agreement with the model version that drafted each reviewed report. */
  async agreementByModelVersion(): Promise<Array<{ modelVersion: string; reviewed: number; agreed: number }>> {
    const rows = await this.reports.collection
      .aggregate<{ _id: string; reviewed: number; agreed: number }>([
        // A study no image of which the AI read has no AI finding to agree with.
        { $match: { status: { $in: ['final', 'amended'] }, 'review.aiFindings': { $ne: null } } },
        {
          $group: {
            _id: '$review.modelVersion',
            reviewed: { $sum: 1 },
            agreed: { $sum: { $cond: [{ $eq: ['$review.aiFindings.fracture', '$review.verdict.fracture'] }, 1, 0] } },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    return rows.map((row) => ({ modelVersion: row._id, reviewed: row.reviewed, agreed: row.agreed }));
  }

  async agreementByBodyPart(range: DateRange): Promise<Array<{ bodyPart: string; reviewed: number; agreed: number }>> {
    const rows = await this.reports.collection
      .aggregate<{ _id: string; reviewed: number; agreed: number }>([
        { $match: { ...createdWithin(range), status: { $in: ['final', 'amended'] }, 'review.aiFindings': { $ne: null } } },
        {
          $group: {
            _id: '$review.aiFindings.bodyPart',
            reviewed: { $sum: 1 },
            agreed: { $sum: { $cond: [{ $eq: ['$review.aiFindings.fracture', '$review.verdict.fracture'] }, 1, 0] } },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    return rows.map((row) => ({ bodyPart: row._id, reviewed: row.reviewed, agreed: row.agreed }));
  }
}
