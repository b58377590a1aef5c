import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ObjectId, type Collection, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { Order, OrderInput } from './order';

type OrderDocument = Omit<Order, 'id'>;

function toOrder(document: WithId<OrderDocument>): Order {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

/** The only code that touches the `orders` collection: one document per accession number. */
@Injectable()
export class OrderRepository implements OnModuleInit {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<OrderDocument> {
    return this.database.db.collection<OrderDocument>('orders');
  }

  async onModuleInit(): Promise<void> {
    await this.collection.createIndex({ accessionNumber: 1 }, { name: 'accession' });
    await this.collection.createIndex({ studyInstanceUid: 1 }, { name: 'study', sparse: true });
  }

  /** A new order or a change to one (same accession): the latest message wins. */
  async upsert(input: OrderInput): Promise<Order> {
    const now = new Date();
    const { studyInstanceUid, ...rest } = input;
    const result = await this.collection.findOneAndUpdate(
      { accessionNumber: input.accessionNumber },
      {
        $set: { ...rest, updatedAt: now, ...(studyInstanceUid ? { studyInstanceUid } : {}) },
        $setOnInsert: { receivedAt: now },
      },
      { upsert: true, returnDocument: 'after' },
    );
    if (!result) throw new Error('order upsert returned nothing');
    return toOrder(result);
  }

  async findByAccession(accessionNumber: string): Promise<Order | undefined> {
    const document = await this.collection.findOne({ accessionNumber });
    return document ? toOrder(document) : undefined;
  }

  async findByStudy(studyInstanceUid: string): Promise<Order | undefined> {
    const document = await this.collection.findOne({ studyInstanceUid });
    return document ? toOrder(document) : undefined;
  }

  /** Remembers which study fulfils the order, so a result quoting the accession finds the report. */
  async linkStudy(id: string, studyInstanceUid: string): Promise<void> {
    await this.collection.updateOne({ _id: new ObjectId(id) }, { $set: { studyInstanceUid } });
  }
}
