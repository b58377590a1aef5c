import { Injectable } from '@nestjs/common';
import { ObjectId, type Collection, type Filter, type UpdateFilter, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { PersonRef, Report, Review, StatusChange } from './report';
import { worklistQuery, worklistSort, type WorklistFilter, type WorklistOrder } from './worklist-query';

export type ReportDocument = Omit<Report, 'id'>;

function toReport(document: WithId<ReportDocument>): Report {
  const { _id, ...rest } = document;
  // Reports written before `notAnalysed` existed, and a stored null for "no AI finding".
  return { id: _id.toHexString(), ...rest, findings: rest.findings ?? undefined, notAnalysed: rest.notAnalysed ?? [] };
}

/** What a re-analysis writes; `reopened` is the status change when a signed report goes back to preliminary. */
export type Reanalysis = Pick<
  ReportDocument,
  'images' | 'notAnalysed' | 'findings' | 'urgency' | 'urgencyRank' | 'modelVersion' | 'lastReceivedAt' | 'analysedAt' | 'studyDate'
> & {
  readonly reopened: StatusChange | undefined;
};

export type { WorklistFilter } from './worklist-query';

/** The only code that touches the `reports` collection. */
@Injectable()
export class ReportRepository {
  constructor(private readonly database: DatabaseService) {}

  get collection(): Collection<ReportDocument> {
    return this.database.db.collection<ReportDocument>('reports');
  }

  async findById(id: string): Promise<Report | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOne({ _id: new ObjectId(id) });
    return document ? toReport(document) : undefined;
  }

  async findByStudy(studyInstanceUid: string): Promise<Report | undefined> {
    const document = await this.collection.findOne({ studyInstanceUid });
    return document ? toReport(document) : undefined;
  }

  async findByFillerOrderNumber(fillerOrderNumber: string): Promise<Report | undefined> {
    const document = await this.collection.findOne({ fillerOrderNumber });
    return document ? toReport(document) : undefined;
  }

  /** Creates the study's report unless one exists: one upsert keyed on the study. */
  async insertIfAbsent(document: ReportDocument): Promise<{ report: Report; inserted: boolean }> {
    const result = await this.collection.findOneAndUpdate(
      { studyInstanceUid: document.studyInstanceUid },
      { $setOnInsert: document },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    if (!result.value) throw new Error('report upsert returned nothing');
    return { report: toReport(result.value), inserted: !result.lastErrorObject?.updatedExisting };
  }

  /** A new analysis of the study's images; `reopened` sends a signed report back to preliminary. */
  async reanalyse(id: string, revision: number, analysis: Reanalysis): Promise<Report | undefined> {
    const { reopened, ...fields } = analysis;
    const update: UpdateFilter<ReportDocument> = {
      $set: { ...fields, ...(reopened ? { status: reopened.status, preliminaryAt: reopened.at } : {}) },
      $inc: { contentVersion: 1 },
    };
    if (reopened) {
      update.$push = { statusHistory: reopened };
      update.$unset = { review: '', finalAt: '' };
    }
    return this.updateAtRevision(id, revision, update);
  }

  /** A doctor's verdict: the new status, the review kept beside the earlier ones, a content change. */
  async saveReview(
    id: string,
    revision: number,
    decision: { review: Review; change: StatusChange; assignedTo: PersonRef },
  ): Promise<Report | undefined> {
    const { review, change, assignedTo } = decision;
    return this.updateAtRevision(id, revision, {
      $set: { status: change.status, review, finalAt: review.at, assignedTo },
      $push: { reviews: review, statusHistory: change },
      $inc: { contentVersion: 1 },
    });
  }

  async withdraw(id: string, revision: number, change: StatusChange): Promise<Report | undefined> {
    return this.updateAtRevision(id, revision, {
      $set: { status: 'entered-in-error' },
      $push: { statusHistory: change },
      $inc: { contentVersion: 1 },
    });
  }

  async assign(id: string, revision: number, doctor: PersonRef): Promise<Report | undefined> {
    return this.updateAtRevision(id, revision, { $set: { assignedTo: doctor } });
  }

  async release(id: string, revision: number): Promise<Report | undefined> {
    return this.updateAtRevision(id, revision, { $unset: { assignedTo: '' } });
  }

  /** Applies a change only if nobody changed the report since `revision` was read; every change bumps it. */
  private async updateAtRevision(id: string, revision: number, update: UpdateFilter<ReportDocument>): Promise<Report | undefined> {
    const result = await this.collection.findOneAndUpdate(
      { _id: new ObjectId(id), revision } as Filter<ReportDocument>,
      {
        ...update,
        $set: { ...(update.$set ?? {}), updatedAt: new Date() },
        $inc: { ...(update.$inc ?? {}), revision: 1 },
      } as UpdateFilter<ReportDocument>,
      { returnDocument: 'after' },
    );
    return result ? toReport(result) : undefined;
  }

  /** Delivery bookkeeping: not a content change, so neither revision nor contentVersion move. */
  async setDelivery(id: string, channel: string, state: unknown): Promise<Report | undefined> {
    if (!/^[a-z][a-z0-9-]*$/.test(channel)) throw new Error(`invalid delivery channel ${channel}`);
    const result = await this.collection.findOneAndUpdate(
      { _id: new ObjectId(id) },
      { $set: { [`deliveries.${channel}`]: state, updatedAt: new Date() } } as UpdateFilter<ReportDocument>,
      { returnDocument: 'after' },
    );
    return result ? toReport(result) : undefined;
  }

  /** Ids of reports changed since `since` whose `deliveries.<channel>.contentVersion` lags behind their content. */
  async findDeliveryBacklog(channel: string, statuses: readonly string[], since: Date, limit: number): Promise<string[]> {
    const documents = await this.collection
      .find({ status: { $in: [...statuses] }, updatedAt: { $gte: since } } as Filter<ReportDocument>, {
        projection: { contentVersion: 1, [`deliveries.${channel}.contentVersion`]: 1 },
      })
      .sort({ updatedAt: 1 })
      .toArray();
    return documents
      .filter((document) => {
        const delivered = (document.deliveries?.[channel] as { contentVersion?: number } | undefined)?.contentVersion;
        return delivered === undefined || delivered < document.contentVersion;
      })
      .slice(0, limit)
      .map((document) => document._id.toHexString());
  }

  /** Reports with at least one review that changed since `since` (label reconciliation). */
  async findReviewedSince(since: Date): Promise<Report[]> {
    // Only reviewed statuses carry reviews; naming them lets the status + updatedAt index answer.
    const documents = await this.collection
      .find({
        status: { $in: ['final', 'amended', 'entered-in-error'] },
        updatedAt: { $gte: since },
        'reviews.0': { $exists: true },
      } as Filter<ReportDocument>)
      .toArray();
    return documents.map(toReport);
  }

  async worklist(
    filter: WorklistFilter,
    offset: number,
    limit: number,
    order: WorklistOrder = 'urgency',
  ): Promise<{ items: Report[]; total: number }> {
    const query = worklistQuery(filter);
    const [documents, total] = await Promise.all([
      this.collection
        .find(query as Filter<ReportDocument>, { projection: { reviews: 0, statusHistory: 0 } })
        .sort(worklistSort(order))
        .skip(offset)
        .limit(limit)
        .toArray(),
      this.collection.countDocuments(query as Filter<ReportDocument>),
    ]);
    return { items: documents.map((document) => toReport(document as WithId<ReportDocument>)), total };
  }
}
