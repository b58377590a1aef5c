import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';

/** A patient link as stored: only the token's SHA-256, never the token itself. */
export interface PortalLinkRecord {
  readonly tokenHash: string;
  readonly reportId: string;
  readonly patientId: string | undefined;
  /** The report version the link was issued for; it serves nothing else. */
  readonly contentVersion: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revoked: boolean;
  readonly revokedAt: Date | undefined;
}

/** The only code that touches the `portal_links` collection. */
@Injectable()
export class PortalLinkRepository implements OnModuleInit {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<PortalLinkRecord> {
    return this.database.db.collection<PortalLinkRecord>('portal_links');
  }

  async onModuleInit(): Promise<void> {
    // Idempotent; kept here rather than in the shared migrations list while the module is new.
    await this.collection.createIndex({ tokenHash: 1 }, { name: 'token_hash' });
    await this.collection.createIndex({ reportId: 1, contentVersion: 1 }, { name: 'report_version' });
  }

  async insert(record: PortalLinkRecord): Promise<void> {
    await this.collection.insertOne({ ...record });
  }

  async findByTokenHash(tokenHash: string): Promise<PortalLinkRecord | undefined> {
    const document = await this.collection.findOne({ tokenHash }, { projection: { _id: 0 } });
    return document ?? undefined;
  }

  /** Revokes the report's links issued for versions older than `contentVersion` (all: Infinity). */
  async revokeOlderThan(reportId: string, contentVersion: number, at: Date): Promise<number> {
    const filter = Number.isFinite(contentVersion)
      ? { reportId, revoked: false, contentVersion: { $lt: contentVersion } }
      : { reportId, revoked: false };
    const result = await this.collection.updateMany(filter, { $set: { revoked: true, revokedAt: at } });
    return result.modifiedCount;
  }
}
