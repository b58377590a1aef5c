import { Injectable } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';

interface SyncStateDocument {
  readonly name: string;
  /** The instant exactly as the FHIR server wrote it (its precision and offset kept for the next `_lastUpdated=gt`). */
  readonly lastUpdated: string;
  readonly updatedAt: Date;
}

/** The poll's high-water mark: the newest `meta.lastUpdated` of a DiagnosticReport it has seen. */
@Injectable()
export class FhirSyncStateRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<SyncStateDocument> {
    return this.database.db.collection<SyncStateDocument>('fhir_sync_state');
  }

  async highWaterMark(name: string): Promise<string | undefined> {
    return (await this.collection.findOne({ name }))?.lastUpdated;
  }

  async advance(name: string, lastUpdated: string): Promise<void> {
    const current = await this.highWaterMark(name);
    if (current && current >= lastUpdated) return;
    await this.collection.updateOne({ name }, { $set: { lastUpdated, updatedAt: new Date() } }, { upsert: true });
  }
}
