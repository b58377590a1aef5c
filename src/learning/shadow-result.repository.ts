import { Injectable } from '@nestjs/common';
import { ObjectId, type Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';

export interface ShadowResult {
  readonly reportId: string;
  readonly studyInstanceUid: string;
  readonly modelVersion: string;
  readonly fracture: boolean;
  readonly probability: number;
  readonly analysedAt: Date;
}

/** The report id as an ObjectId, so the agreement pipeline can $lookup the report. */
type ShadowResultDocument = Omit<ShadowResult, 'reportId'> & { reportId: ObjectId };

export interface ShadowAgreement {
  readonly modelVersion: string;
  readonly reviewed: number;
  readonly agreed: number;
}

/** The only code that touches `shadow_results`: what a shadow model said, one per report and version. */
@Injectable()
export class ShadowResultRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<ShadowResultDocument> {
    return this.database.db.collection<ShadowResultDocument>('shadow_results');
  }

  /** A re-analysis of the same report by the same version replaces the earlier result. */
  async save(result: ShadowResult): Promise<void> {
    const reportId = new ObjectId(result.reportId);
    await this.collection.updateOne({ reportId, modelVersion: result.modelVersion }, { $set: { ...result, reportId } }, { upsert: true });
  }

  /** Per shadow version: reviewed reports, and how many of them the doctor's fracture call agreed with. */
  async agreement(): Promise<ShadowAgreement[]> {
    const rows = await this.collection
      .aggregate<{ _id: string; reviewed: number; agreed: number }>([
        { $lookup: { from: 'reports', localField: 'reportId', foreignField: '_id', as: 'report' } },
        { $unwind: '$report' },
        { $match: { 'report.status': { $in: ['final', 'amended'] } } },
        {
          $group: {
            _id: '$modelVersion',
            reviewed: { $sum: 1 },
            agreed: { $sum: { $cond: [{ $eq: ['$fracture', '$report.review.verdict.fracture'] }, 1, 0] } },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    return rows.map((row) => ({ modelVersion: row._id, reviewed: row.reviewed, agreed: row.agreed }));
  }
}
