import { Injectable } from '@nestjs/common';
import { Binary, ObjectId, type Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';

interface HeatmapDocument {
  readonly png: Binary;
  readonly sha256: string;
  readonly modelVersion: string;
  readonly createdAt: Date;
}

/**
 * Heat-map PNGs (a few KB each), kept in the database so every replica can serve them. One per
 * image content and model version: the same pixels through the same model give the same map,
 * so a re-analysis (a late image re-reads the whole study) reuses it instead of adding one.
 */
@Injectable()
export class HeatmapRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<HeatmapDocument> {
    return this.database.db.collection<HeatmapDocument>('heatmaps');
  }

  async save(png: Buffer, sha256: string, modelVersion: string): Promise<string> {
    // Not a unique index (maps saved before migration 4 may repeat): two replicas saving the same
    // map at the same moment may both insert on a real mongod; harmless, each report keeps its own.
    const saved = await this.collection.findOneAndUpdate(
      { sha256, modelVersion },
      { $setOnInsert: { png: new Binary(png), sha256, modelVersion, createdAt: new Date() } },
      { upsert: true, returnDocument: 'after', projection: { _id: 1 } },
    );
    if (!saved) throw new Error('heat map upsert returned nothing');
    return saved._id.toHexString();
  }

  async find(id: string): Promise<Buffer | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOne({ _id: new ObjectId(id) });
    return document ? Buffer.from(document.png.buffer) : undefined;
  }
}
