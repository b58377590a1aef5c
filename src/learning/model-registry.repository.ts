import { Injectable } from '@nestjs/common';
import { ObjectId, type Collection, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { GateResult, ModelStatus, ModelVersion } from './model-version';

type ModelDocument = Omit<ModelVersion, 'id'>;

function toVersion(document: WithId<ModelDocument>): ModelVersion {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

/** The only code that touches `model_versions`. */
@Injectable()
export class ModelRegistryRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<ModelDocument> {
    return this.database.db.collection<ModelDocument>('model_versions');
  }

  async insertIfAbsent(document: ModelDocument): Promise<ModelVersion> {
    const result = await this.collection.findOneAndUpdate(
      { version: document.version },
      { $setOnInsert: document },
      { upsert: true, returnDocument: 'after' },
    );
    if (!result) throw new Error('model version upsert returned nothing');
    return toVersion(result);
  }

  async findByVersion(version: string): Promise<ModelVersion | undefined> {
    const document = await this.collection.findOne({ version });
    return document ? toVersion(document) : undefined;
  }

  async findByStatus(status: ModelStatus): Promise<ModelVersion[]> {
    return (await this.collection.find({ status }).sort({ createdAt: -1 }).toArray()).map(toVersion);
  }

  async list(): Promise<ModelVersion[]> {
    return (await this.collection.find({}).sort({ createdAt: -1 }).toArray()).map(toVersion);
  }

  async setStatus(
    id: string,
    from: readonly ModelStatus[],
    status: ModelStatus,
    by: string,
    reason: string,
    gate?: GateResult,
  ): Promise<ModelVersion | undefined> {
    const result = await this.collection.findOneAndUpdate(
      { _id: new ObjectId(id), status: { $in: [...from] } },
      { $set: { status, ...(gate ? { gate } : {}) }, $push: { history: { status, at: new Date(), by, reason } } },
      { returnDocument: 'after' },
    );
    return result ? toVersion(result) : undefined;
  }
}
