import { Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { DeliveryPlan, PlannedCapture, SentObject } from './pacs-delivery.plan';
import type { InstanceReference } from './sr-content';

/** One content version of a report's results: planned (UIDs, creation time) before it is built, archived once stored. */
export interface ResultVersion {
  readonly contentVersion: number;
  readonly reportStatus: string;
  readonly plan: DeliveryPlan;
  /** The objects' creation time: a rebuild after a crash makes the same bytes. */
  readonly createdAt: Date;
  readonly objects: readonly SentObject[];
  readonly archivedAt?: Date;
}

/** Every result object Osteon made for one report, version by version (collection `result_sets`). */
export interface ResultSet {
  readonly reportId: string;
  readonly captureSeriesInstanceUid?: string;
  readonly reportSeriesInstanceUid?: string;
  readonly captures: readonly PlannedCapture[];
  readonly latestReport?: InstanceReference;
  readonly versions: readonly ResultVersion[];
}

type ResultSetDocument = ResultSet;

/** The only code that touches `result_sets`. */
@Injectable()
export class ResultSetRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<ResultSetDocument> {
    return this.database.db.collection<ResultSetDocument>('result_sets');
  }

  async find(reportId: string): Promise<ResultSet | undefined> {
    const document = await this.collection.findOne({ reportId }, { projection: { _id: 0 } });
    return document ?? undefined;
  }

  /**
   * Records the plan of a content version unless one is recorded already (by another replica);
   * either way answers the one that stands, so every builder uses the same UIDs.
   */
  async claim(seed: Omit<ResultSet, 'versions'>, version: ResultVersion): Promise<ResultVersion> {
    await this.collection.updateOne({ reportId: seed.reportId }, { $setOnInsert: { ...seed, versions: [] } }, { upsert: true });
    await this.collection.updateOne(
      { reportId: seed.reportId, 'versions.contentVersion': { $ne: version.contentVersion } },
      { $push: { versions: version } },
    );
    const stored = (await this.find(seed.reportId))?.versions.find((candidate) => candidate.contentVersion === version.contentVersion);
    if (!stored) throw new Error(`result version ${version.contentVersion} of report ${seed.reportId} was not recorded`);
    return stored;
  }

  /** The version's objects are stored: keep them, and what the next version builds on. */
  async archived(reportId: string, version: ResultVersion, state: Omit<ResultSet, 'reportId' | 'versions'>): Promise<void> {
    const current = await this.find(reportId);
    const versions = (current?.versions ?? []).map((candidate) =>
      candidate.contentVersion === version.contentVersion ? version : candidate,
    );
    await this.collection.updateOne({ reportId }, { $set: { ...state, versions } });
  }
}
