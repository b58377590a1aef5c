import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MongoClient, type Db } from 'mongodb';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';
import { migrations } from './migrations';

export type DatabaseKind = 'external' | 'mongod' | 'embedded';

/** Owns the MongoDB connection; repositories get their collections from here. */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = moduleLogger('database');
  private client: MongoClient | undefined;
  private embedded: EmbeddedDatabase | undefined;
  private database: Db | undefined;
  private databaseKind: DatabaseKind = 'external';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    let uri = this.config.database.uri;
    if (!uri) {
      this.embedded = await startEmbeddedDatabase(
        this.config.database.embedded,
        this.config.dataDir,
        this.logger,
        this.config.database.compactBytes,
      );
      uri = this.embedded.uri;
      this.databaseKind = this.embedded.kind;
    }
    // Acknowledged means journaled on a majority of the replica set (on the embedded database:
    // fsynced to its journal). Polling server monitoring: the embedded database answers hello
    // at once, and polling costs nothing measurable against a real server either.
    this.client = new MongoClient(uri, {
      serverSelectionTimeoutMS: 10_000,
      ignoreUndefined: true,
      serverMonitoringMode: 'poll',
      writeConcern: { w: 'majority', journal: true },
    });
    await this.client.connect();
    this.database = this.client.db(this.config.database.name);
    await this.migrate(this.database);
    this.logger.info(
      { kind: this.databaseKind, database: this.config.database.name, location: this.embedded?.location },
      'database connected',
    );
    if (this.databaseKind === 'embedded') {
      this.logger.info(
        { location: this.embedded?.location },
        'embedded database: durable on this machine (journal fsynced before every acknowledgement); for production set MONGODB_URI to a MongoDB replica set for replication, scale and backups with standard tools',
      );
    }
  }

  get db(): Db {
    if (!this.database) throw new Error('database is not connected yet');
    return this.database;
  }

  get kind(): DatabaseKind {
    return this.databaseKind;
  }

  async isHealthy(): Promise<boolean> {
    if (!this.database) return false;
    try {
      await this.database.command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.close();
    await this.embedded?.stop();
  }

  private async migrate(db: Db): Promise<void> {
    const applied = db.collection<{ version: number; description: string; appliedAt: Date }>('migrations');
    const done = new Set((await applied.find({}).toArray()).map((m) => m.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await migration.up(db);
      await applied.insertOne({ version: migration.version, description: migration.description, appliedAt: new Date() });
      this.logger.info({ version: migration.version }, 'migration applied');
    }
  }
}
