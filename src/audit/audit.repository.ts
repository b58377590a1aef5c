import { Injectable } from '@nestjs/common';
import { ObjectId, type Collection, type Filter, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { AuditEntry, AuditSearch, NewAuditEntry } from './audit-entry';

type AuditDocument = NewAuditEntry;

function toEntry(document: WithId<AuditDocument>): AuditEntry {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

/** The only code that touches the `audit` collection (append-only: no update or delete here). */
@Injectable()
export class AuditRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<AuditDocument> {
    return this.database.db.collection<AuditDocument>('audit');
  }

  async insert(entry: NewAuditEntry): Promise<AuditEntry> {
    const _id = new ObjectId();
    await this.collection.insertOne({ _id, ...entry });
    return { id: _id.toHexString(), ...entry };
  }

  /** Newest first; ties (same millisecond) by insertion order, newest first. */
  async search(search: AuditSearch): Promise<{ items: AuditEntry[]; total: number }> {
    const filter: Record<string, unknown> = {};
    if (search.actorId !== undefined) filter.actorId = search.actorId;
    if (search.resourceType !== undefined) filter.resourceType = search.resourceType;
    if (search.resourceId !== undefined) filter.resourceId = search.resourceId;
    if (search.action !== undefined) filter.action = search.action;
    if (search.from !== undefined || search.to !== undefined) {
      filter.at = {
        ...(search.from !== undefined ? { $gte: search.from } : {}),
        ...(search.to !== undefined ? { $lte: search.to } : {}),
      };
    }
    const [documents, total] = await Promise.all([
      this.collection
        .find(filter as Filter<AuditDocument>)
        .sort({ at: -1, _id: -1 })
        .skip(search.offset)
        .limit(search.limit)
        .toArray(),
      this.collection.countDocuments(filter as Filter<AuditDocument>),
    ]);
    return { items: documents.map(toEntry), total };
  }
}
