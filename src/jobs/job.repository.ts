import { Injectable } from '@nestjs/common';
import { ObjectId, type Collection, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { JobPayload, JobRecord, JobStatus, JobType } from './job';

type JobDocument = Omit<JobRecord, 'id'>;

function toRecord(document: WithId<JobDocument>): JobRecord {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

export interface PendingJobInput {
  readonly type: JobType;
  readonly key: string;
  readonly payload: JobPayload;
  readonly runAt: Date;
  readonly maxAttempts: number;
  readonly expiresAt?: Date;
  readonly correlationId: string | undefined;
}

/** The pending job of `input.key`: moved to its new time if one waits, created otherwise. */
function pendingUpsert(input: PendingJobInput, now: Date) {
  return {
    filter: { key: input.key, status: 'pending' as JobStatus },
    update: {
      $set: { runAt: input.runAt, payload: input.payload, updatedAt: now },
      $setOnInsert: {
        type: input.type,
        key: input.key,
        status: 'pending' as JobStatus,
        attempts: 0,
        maxAttempts: input.maxAttempts,
        ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
        correlationId: input.correlationId,
        createdAt: now,
      },
    },
  };
}

/** The only code that touches the `jobs` collection. Claims are single atomic updates. */
@Injectable()
export class JobRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<JobDocument> {
    return this.database.db.collection<JobDocument>('jobs');
  }

  /**
   * Creates the pending job for `key`, or moves an existing pending one to `runAt`
   * (debounce): one upsert, so concurrent arrivals collapse into one job.
   */
  async upsertPending(input: PendingJobInput): Promise<JobRecord> {
    const { filter, update } = pendingUpsert(input, new Date());
    const result = await this.collection.findOneAndUpdate(filter, update, { upsert: true, returnDocument: 'after' });
    if (!result) throw new Error('job upsert returned nothing');
    return toRecord(result);
  }

  /**
   * upsertPending for many jobs in one write (one journal sync on the embedded database): a batch
   * of studies that arrived together is scheduled without a round trip per study.
   */
  async upsertPendingMany(inputs: readonly PendingJobInput[]): Promise<void> {
    if (inputs.length === 0) return;
    const now = new Date();
    await this.collection.bulkWrite(
      inputs.map((input) => ({ updateOne: { ...pendingUpsert(input, now), upsert: true } })),
      { ordered: false },
    );
  }

  /** Takes the oldest due job, or one whose lease has expired (its worker died). */
  async claim(owner: string, leaseMs: number, types: readonly JobType[]): Promise<JobRecord | undefined> {
    const now = new Date();
    const result = await this.collection.findOneAndUpdate(
      {
        type: { $in: [...types] },
        $or: [
          { status: 'pending', runAt: { $lte: now } },
          { status: 'running', leaseExpiresAt: { $lt: now } },
        ],
      },
      {
        $set: { status: 'running', leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + leaseMs), updatedAt: now },
        $inc: { attempts: 1 },
      },
      { sort: { runAt: 1 }, returnDocument: 'after' },
    );
    return result ? toRecord(result) : undefined;
  }

  async isAnotherRunning(job: JobRecord): Promise<boolean> {
    const other = await this.collection.findOne({
      key: job.key,
      status: 'running',
      leaseExpiresAt: { $gt: new Date() },
      _id: { $ne: new ObjectId(job.id) },
    });
    return other !== null;
  }

  /** Owners of running jobs whose names start with `prefix` (this host's workers). */
  async runningOwners(prefix: string): Promise<string[]> {
    const owners = await this.collection.distinct('leaseOwner', { status: 'running' });
    return owners.filter((owner): owner is string => typeof owner === 'string' && owner.startsWith(prefix));
  }

  /** Puts the running jobs of these (dead) owners back in the queue at once, their attempt counted. */
  async releaseLeases(owners: readonly string[]): Promise<number> {
    if (owners.length === 0) return 0;
    const now = new Date();
    const result = await this.collection.updateMany(
      { status: 'running', leaseOwner: { $in: [...owners] } },
      { $set: { status: 'pending', runAt: now, updatedAt: now }, $unset: { leaseOwner: '', leaseExpiresAt: '' } },
    );
    return result.modifiedCount;
  }

  async extendLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: new ObjectId(id), leaseOwner: owner, status: 'running' },
      { $set: { leaseExpiresAt: new Date(Date.now() + leaseMs) } },
    );
    return result.matchedCount === 1;
  }

  /** Ends a claimed job; only its lease owner may, so a job taken over is not clobbered. */
  async finish(
    id: string,
    owner: string,
    update: { status: JobStatus; runAt?: Date; lastError?: string; attempts?: number; failed?: boolean },
  ): Promise<boolean> {
    const now = new Date();
    const result = await this.collection.updateOne(
      { _id: new ObjectId(id), leaseOwner: owner, status: 'running' },
      {
        $set: {
          status: update.status,
          updatedAt: now,
          ...(update.runAt ? { runAt: update.runAt } : {}),
          ...(update.lastError !== undefined ? { lastError: update.lastError } : {}),
          ...(update.attempts !== undefined ? { attempts: update.attempts } : {}),
          ...(update.status === 'done' || update.status === 'dead' ? { finishedAt: now } : {}),
        },
        // failingSince: when this run of failures began (kept by $min), gone with a success.
        ...(update.failed ? { $min: { failingSince: now } } : {}),
        $unset: { leaseOwner: '', leaseExpiresAt: '', ...(update.status === 'done' ? { failingSince: '' } : {}) },
      },
    );
    return result.matchedCount === 1;
  }

  /**
   * Jobs of `type` waiting out a back-off become due now, oldest first: the receiver they were
   * waiting for is back. Each keeps its creation time as its due time, so they go out in order.
   */
  async wakeWaiting(type: JobType): Promise<number> {
    const now = new Date();
    const waiting = await this.collection
      .find({ type, status: 'pending', runAt: { $gt: now }, failingSince: { $exists: true } }, { projection: { _id: 1, createdAt: 1 } })
      .toArray();
    if (waiting.length === 0) return 0;
    await this.collection.bulkWrite(
      waiting.map((job) => ({ updateOne: { filter: { _id: job._id, status: 'pending' }, update: { $set: { runAt: job.createdAt } } } })),
    );
    return waiting.length;
  }

  /** The job's receiver answered: it no longer counts as failing (before the worker marks it done). */
  async clearFailing(id: string): Promise<void> {
    await this.collection.updateOne({ _id: new ObjectId(id) }, { $unset: { failingSince: '' } });
  }

  /** Whether an older job of the same type is open after a failure (in-order receivers wait for it). */
  async hasOlderFailing(job: JobRecord): Promise<boolean> {
    const older = await this.collection.findOne(
      {
        type: job.type,
        _id: { $ne: new ObjectId(job.id) },
        status: { $in: ['pending', 'running'] },
        failingSince: { $exists: true },
        createdAt: { $lt: job.createdAt },
      },
      { projection: { _id: 1 } },
    );
    return older !== null;
  }

  /** For a channel's state: jobs of `type` waiting after failures, since when, and dead letters. */
  async failureSummary(type: JobType): Promise<{ waiting: number; failingSince: Date | undefined; dead: number }> {
    const [waiting, dead] = await Promise.all([
      this.collection
        .find({ type, status: { $in: ['pending', 'running'] }, failingSince: { $exists: true } }, { projection: { failingSince: 1 } })
        .toArray(),
      this.collection.countDocuments({ type, status: 'dead' }),
    ]);
    const since = waiting.map((job) => job.failingSince).filter((at): at is Date => at instanceof Date);
    return {
      waiting: waiting.length,
      failingSince: since.length ? new Date(Math.min(...since.map((at) => at.getTime()))) : undefined,
      dead,
    };
  }

  /** Open jobs per type and status, counted from their type and status only. */
  async depth(): Promise<Array<{ type: JobType; status: 'pending' | 'running'; count: number }>> {
    const counts = new Map<string, { type: JobType; status: 'pending' | 'running'; count: number }>();
    const open = this.collection.find({ status: { $in: ['pending', 'running'] } }, { projection: { _id: 0, type: 1, status: 1 } });
    for await (const job of open) {
      const status = job.status as 'pending' | 'running';
      const entry = counts.get(`${job.type}/${status}`) ?? { type: job.type, status, count: 0 };
      entry.count += 1;
      counts.set(`${job.type}/${status}`, entry);
    }
    return [...counts.values()];
  }

  async findById(id: string): Promise<JobRecord | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOne({ _id: new ObjectId(id) });
    return document ? toRecord(document) : undefined;
  }

  async list(
    filter: { status?: JobStatus; type?: JobType; key?: string },
    offset: number,
    limit: number,
  ): Promise<{ items: JobRecord[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.type) query.type = filter.type;
    if (filter.key) query.key = filter.key;
    const [documents, total] = await Promise.all([
      this.collection.find(query).sort({ updatedAt: -1 }).skip(offset).limit(limit).toArray(),
      this.collection.countDocuments(query),
    ]);
    return { items: documents.map(toRecord), total };
  }

  /** Dead → pending with a fresh attempt budget; returns undefined unless it was dead. */
  async replay(id: string): Promise<JobRecord | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const now = new Date();
    const dead = await this.collection.findOne({ _id: new ObjectId(id), status: 'dead' }, { projection: { createdAt: 1, expiresAt: 1 } });
    if (!dead) return undefined;
    // A replayed delivery gets its maximum age again, counted from now.
    const expiresAt = dead.expiresAt ? new Date(now.getTime() + (dead.expiresAt.getTime() - dead.createdAt.getTime())) : undefined;
    const result = await this.collection.findOneAndUpdate(
      { _id: new ObjectId(id), status: 'dead' },
      {
        $set: { status: 'pending', attempts: 0, runAt: now, updatedAt: now, ...(expiresAt ? { expiresAt } : {}) },
        $unset: { finishedAt: '', failingSince: '' },
      },
      { returnDocument: 'after' },
    );
    return result ? toRecord(result) : undefined;
  }

  async hasOpenJob(key: string): Promise<boolean> {
    return (await this.collection.findOne({ key, status: { $in: ['pending', 'running'] } })) !== null;
  }
}
