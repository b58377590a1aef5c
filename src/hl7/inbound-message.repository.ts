import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';

export interface InboundMessageRecord {
  /** Sending application, facility and MSH-10: control ids are unique per sender. */
  readonly key: string;
  readonly messageType: string;
  readonly state: 'processing' | 'processed';
  readonly receivedAt: Date;
  readonly processedAt: Date | undefined;
}

/**
 * The only code that touches `hl7_inbound_messages`: the control ids already processed, so a
 * message the RIS re-sends (it lost our ACK) is acknowledged again but not applied twice.
 */
@Injectable()
export class InboundMessageRepository implements OnModuleInit {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<InboundMessageRecord> {
    return this.database.db.collection<InboundMessageRecord>('hl7_inbound_messages');
  }

  async onModuleInit(): Promise<void> {
    await this.collection.createIndex({ key: 1 }, { name: 'key' });
  }

  /** Claims the control id; returns the earlier record when someone already claimed it. */
  async claim(key: string, messageType: string): Promise<InboundMessageRecord | undefined> {
    const result = await this.collection.findOneAndUpdate(
      { key },
      { $setOnInsert: { key, messageType, state: 'processing', receivedAt: new Date(), processedAt: undefined } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    return result.lastErrorObject?.updatedExisting && result.value ? result.value : undefined;
  }

  async markProcessed(key: string): Promise<void> {
    await this.collection.updateOne({ key }, { $set: { state: 'processed', processedAt: new Date() } });
  }

  /** A message that failed is not remembered: the sender's retry is processed afresh. */
  async release(key: string): Promise<void> {
    await this.collection.deleteOne({ key, state: 'processing' });
  }
}
