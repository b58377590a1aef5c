import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MongoClient, type Db } from 'mongodb';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';
import { migrations } from './migrations';

export type DatabaseKind = 'external' | 'mongod' | 'emulator';

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
      this.embedded = await startEmbeddedDatabase(this.config.database.embedded, this.config.dataDir, this.logger);
      uri = this.embedded.uri;
      this.databaseKind = this.embedded.kind;
    }
    // Polling server monitoring: the streaming (awaitable hello) monitor stalls operations for
    // ~500 ms now and then against the MongoDB-wire emulator; polling costs nothing measurable.
    this.client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, ignoreUndefined: true, serverMonitoringMode: 'poll' });
    await this.client.connect();
    this.database = this.client.db(this.config.database.name);
    await this.migrate(this.database);
    this.logger.info({ kind: this.databaseKind, database: this.config.database.name }, 'database connected');
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
