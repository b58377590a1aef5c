import { Injectable } from '@nestjs/common';
import { Binary, ObjectId, type Collection } from 'mongodb';
import { DatabaseService } from '../database/database.service';

interface HeatmapDocument {
  readonly png: Binary;
  readonly sha256: string;
  readonly modelVersion: string;
  readonly createdAt: Date;
}

/** Heat-map PNGs (a few KB each), kept in the database so every replica can serve them. */
@Injectable()
export class HeatmapRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<HeatmapDocument> {
    return this.database.db.collection<HeatmapDocument>('heatmaps');
  }

  async save(png: Buffer, sha256: string, modelVersion: string): Promise<string> {
    const result = await this.collection.insertOne({ png: new Binary(png), sha256, modelVersion, createdAt: new Date() });
    return result.insertedId.toHexString();
  }

  async find(id: string): Promise<Buffer | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOne({ _id: new ObjectId(id) });
    return document ? Buffer.from(document.png.buffer) : undefined;
  }
}
