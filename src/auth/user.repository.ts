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
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<UserDocument> {
    return this.database.db.collection<UserDocument>('users');
  }

  /** Inserts unless the username is taken (the unique index of migration 3 decides); `undefined` means taken. */
  /** A new account's id, known before it is written (its audit record is written first). */
  newId(): string {
    return new ObjectId().toHexString();
  }

  async insertIfUsernameFree(user: NewUserRecord, id = this.newId()): Promise<UserRecord | undefined> {
    const _id = new ObjectId(id);
    try {
      await this.collection.insertOne({ _id, ...user });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return undefined;
      throw error;
    }
    return { id: _id.toHexString(), ...user };
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

  /** The enabled doctors named by any of these: their username or one of their external ids. */
  async findActiveDoctors(names: readonly string[]): Promise<UserRecord[]> {
    if (names.length === 0) return [];
    const documents = await this.collection
      .find({ role: 'doctor', disabled: false, $or: [{ username: { $in: [...names] } }, { externalIds: { $in: [...names] } }] })
      .limit(2)
      .toArray();
    return documents.map(toRecord);
  }

  async hasAnyUser(): Promise<boolean> {
    return (await this.collection.findOne({}, { projection: { _id: 1 } })) !== null;
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
