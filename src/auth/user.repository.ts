import { Injectable } from '@nestjs/common';
import { MongoServerError, ObjectId, type Collection, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { NewUserRecord, UserRecord } from './user-record';

type UserDocument = NewUserRecord;

const DUPLICATE_KEY = 11000;

function toRecord(document: WithId<UserDocument>): UserRecord {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

/** The only code that touches the `users` collection. */
@Injectable()
export class UserRepository {
  // The emulator does not enforce unique indexes: creates are serialised in this process and
  // checked in code; the unique index (migration 2) covers several processes on a real mongod.
  private createQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<UserDocument> {
    return this.database.db.collection<UserDocument>('users');
  }

  /** Inserts unless the username is taken; `undefined` means taken. */
  insertIfUsernameFree(user: NewUserRecord): Promise<UserRecord | undefined> {
    const next = this.createQueue.then(async () => {
      if (await this.collection.findOne({ username: user.username }, { projection: { _id: 1 } })) return undefined;
      const _id = new ObjectId();
      try {
        await this.collection.insertOne({ _id, ...user });
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return undefined;
        throw error;
      }
      return { id: _id.toHexString(), ...user };
    });
    this.createQueue = next.catch(() => undefined);
    return next;
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOne({ _id: new ObjectId(id) });
    return document ? toRecord(document) : undefined;
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const document = await this.collection.findOne({ username });
    return document ? toRecord(document) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    const documents = await this.collection.find({}).sort({ username: 1 }).toArray();
    return documents.map(toRecord);
  }

  /** Returns the updated user, or `undefined` when there is none with this id. */
  async setDisabled(id: string, disabled: boolean): Promise<UserRecord | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOneAndUpdate({ _id: new ObjectId(id) }, { $set: { disabled } }, { returnDocument: 'after' });
    return document ? toRecord(document) : undefined;
  }
}
