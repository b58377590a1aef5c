import { Injectable } from '@nestjs/common';
import { ObjectId, type Collection, type Filter, type WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import { CoalescedInserts } from '../database/coalesced-inserts';
import type { InstanceRecord, NewInstanceRecord } from './instance-record';

type InstanceDocument = NewInstanceRecord;

export interface StudySummary {
  readonly studyInstanceUid: string;
  readonly patientId: string | undefined;
  readonly accessionNumber: string | undefined;
  readonly studyDay: string;
  readonly instanceCount: number;
  readonly firstReceivedAt: Date;
  readonly lastReceivedAt: Date;
}

/** What a C-FIND can narrow in the database; the rest is matched in memory (QueryService). */
export interface InstanceQuery {
  readonly patientId?: string;
  readonly accessionNumber?: string;
  readonly modality?: string;
  readonly studyInstanceUids?: readonly string[];
  readonly seriesInstanceUids?: readonly string[];
  readonly sopInstanceUids?: readonly string[];
  readonly sopClassUids?: readonly string[];
  /** YYYY-MM-DD, inclusive. */
  readonly fromDay?: string;
  readonly toDay?: string;
}

export interface StudySearch {
  readonly patientId?: string;
  readonly fromDay?: string;
  readonly toDay?: string;
  readonly offset: number;
  readonly limit: number;
}

const DUPLICATE_KEY = 11000;
/** Concurrent senders of different content for one UID each take the next free version; this many tries is plenty. */
const MAX_VERSION_ATTEMPTS = 8;

/** Instances that arrived from outside (not Osteon's own results): what the study workflow reads. */
const ORIGINALS = { source: { $ne: 'engine' } } as const;
/** What DICOMweb and C-FIND answer: every original, and Osteon's results while current. */
const SERVED = { retiredAt: { $exists: false } } as const;

/** Where in the study hierarchy a DICOMweb request points. */
export interface ObjectScope {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
}

function toRecord(document: WithId<InstanceDocument>): InstanceRecord {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

/** The only code that touches the `instances` collection. */
@Injectable()
export class InstanceRepository {
  /** New instance records: several associations storing at once share insert commands. */
  private readonly newRecords = new CoalescedInserts<InstanceDocument>(() => this.collection);

  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<InstanceDocument> {
    return this.database.db.collection<InstanceDocument>('instances');
  }

  async findVersions(sopInstanceUid: string): Promise<InstanceRecord[]> {
    const documents = await this.collection.find({ sopInstanceUid }).sort({ version: 1 }).toArray();
    return documents.map(toRecord);
  }

  /**
   * Indexes new content of a SOP instance as its next version. The first copy of a UID, by far the
   * common case, is tried as version 1 without a lookup first: the unique indexes on UID + version
   * and UID + content refuse it when anything is indexed already (also between concurrent senders on
   * a real mongod), and only then are the versions read. `inserted` is false when this exact content
   * was indexed already; the record is then the earlier one.
   */
  async insertNextVersion(
    sopInstanceUid: string,
    sha256: string,
    build: (version: number, conflict: boolean) => NewInstanceRecord,
  ): Promise<{ record: InstanceRecord; inserted: boolean }> {
    let version = 1;
    for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt += 1) {
      const document = { _id: new ObjectId(), ...build(version, version > 1) };
      try {
        await this.newRecords.insert(document);
        return { record: toRecord(document), inserted: true };
      } catch (error) {
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      }
      const versions = await this.findVersions(sopInstanceUid);
      const same = versions.find((existing) => existing.sha256 === sha256);
      if (same) return { record: same, inserted: false };
      version = Math.max(0, ...versions.map((existing) => existing.version)) + 1;
    }
    throw new Error(`SOP instance ${sopInstanceUid}: no free version after ${MAX_VERSION_ATTEMPTS} attempts`);
  }

  /** The study's originals (received, uploaded, stored over STOW), every version. */
  async findByStudy(studyInstanceUid: string): Promise<InstanceRecord[]> {
    const documents = await this.collection
      .find({ studyInstanceUid, ...ORIGINALS })
      .sort({ seriesNumber: 1, instanceNumber: 1, receivedAt: 1 })
      .toArray();
    return documents.map(toRecord);
  }

  /** What DICOMweb serves in a study, series or instance: originals and current results, every version. */
  async findServed(scope: ObjectScope): Promise<InstanceRecord[]> {
    const filter: Record<string, unknown> = { studyInstanceUid: scope.studyInstanceUid, ...SERVED };
    if (scope.seriesInstanceUid !== undefined) filter.seriesInstanceUid = scope.seriesInstanceUid;
    if (scope.sopInstanceUid !== undefined) filter.sopInstanceUid = scope.sopInstanceUid;
    const documents = await this.collection
      .find(filter as Filter<InstanceDocument>)
      .sort({ seriesNumber: 1, instanceNumber: 1, receivedAt: 1 })
      .toArray();
    return documents.map(toRecord);
  }

  /** Osteon's results that a newer version of their report replaced (or its withdrawal): no longer served. */
  async retire(sopInstanceUids: readonly string[], at: Date): Promise<number> {
    if (sopInstanceUids.length === 0) return 0;
    const result = await this.collection.updateMany(
      { sopInstanceUid: { $in: [...sopInstanceUids] }, source: 'engine', ...SERVED },
      { $set: { retiredAt: at } },
    );
    return result.modifiedCount;
  }

  /** Takes back a record whose file never reached the store (its sender was told the store failed). */
  async remove(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: new ObjectId(id) });
  }

  async findById(id: string): Promise<InstanceRecord | undefined> {
    if (!ObjectId.isValid(id)) return undefined;
    const document = await this.collection.findOne({ _id: new ObjectId(id) });
    return document ? toRecord(document) : undefined;
  }

  async searchStudies(search: StudySearch): Promise<{ items: StudySummary[]; total: number }> {
    const filter: Record<string, unknown> = { ...ORIGINALS };
    if (search.patientId !== undefined) filter.patientId = search.patientId;
    if (search.fromDay !== undefined || search.toDay !== undefined) {
      filter.studyDay = {
        ...(search.fromDay !== undefined ? { $gte: search.fromDay } : {}),
        ...(search.toDay !== undefined ? { $lte: search.toDay } : {}),
      };
    }
    const [page] = await this.collection
      .aggregate<{ items: Array<Omit<StudySummary, 'studyInstanceUid'> & { _id: string }>; total: Array<{ n: number }> }>([
        { $match: filter as Filter<InstanceDocument> },
        {
          $group: {
            _id: '$studyInstanceUid',
            patientId: { $first: '$patientId' },
            accessionNumber: { $first: '$accessionNumber' },
            studyDay: { $first: '$studyDay' },
            instanceCount: { $sum: 1 },
            firstReceivedAt: { $min: '$receivedAt' },
            lastReceivedAt: { $max: '$receivedAt' },
          },
        },
        { $sort: { lastReceivedAt: -1, _id: 1 } },
        {
          $facet: {
            items: [{ $skip: search.offset }, { $limit: search.limit }],
            total: [{ $group: { _id: null, n: { $sum: 1 } } }],
          },
        },
      ])
      .toArray();
    const items = (page?.items ?? []).map(({ _id, ...summary }) => ({ ...summary, studyInstanceUid: _id }));
    return { items, total: page?.total[0]?.n ?? 0 };
  }

  /** Up to `limit` served records matching the query, any order. */
  async findMatching(query: InstanceQuery, limit: number): Promise<InstanceRecord[]> {
    const filter: Record<string, unknown> = { ...SERVED };
    if (query.patientId !== undefined) filter.patientId = query.patientId;
    if (query.accessionNumber !== undefined) filter.accessionNumber = query.accessionNumber;
    if (query.modality !== undefined) filter.modality = query.modality;
    if (query.studyInstanceUids) filter.studyInstanceUid = { $in: query.studyInstanceUids };
    if (query.seriesInstanceUids) filter.seriesInstanceUid = { $in: query.seriesInstanceUids };
    if (query.sopInstanceUids) filter.sopInstanceUid = { $in: query.sopInstanceUids };
    if (query.sopClassUids) filter.sopClassUid = { $in: query.sopClassUids };
    if (query.fromDay !== undefined || query.toDay !== undefined) {
      filter.studyDay = {
        ...(query.fromDay !== undefined ? { $gte: query.fromDay } : {}),
        ...(query.toDay !== undefined ? { $lte: query.toDay } : {}),
      };
    }
    const documents = await this.collection
      .find(filter as Filter<InstanceDocument>)
      .limit(limit)
      .toArray();
    return documents.map(toRecord);
  }

  /** Content hashes already indexed, for the start-up reconciliation with the blob store. */
  async indexedHashes(): Promise<Set<string>> {
    const hashes = new Set<string>();
    const cursor = this.collection.find({}, { projection: { sha256: 1 } });
    for await (const document of cursor) hashes.add(document.sha256);
    return hashes;
  }

  async findByHashes(sha256s: readonly string[]): Promise<InstanceRecord[]> {
    const documents = await this.collection.find({ sha256: { $in: [...sha256s] } }).toArray();
    return documents.map(toRecord);
  }

  /** Studies with an instance received since `since`, with their newest arrival. */
  async studiesReceivedSince(since: Date): Promise<Array<{ studyInstanceUid: string; lastReceivedAt: Date }>> {
    const rows = await this.collection
      .aggregate<{ _id: string; lastReceivedAt: Date }>([
        { $match: { receivedAt: { $gte: since }, ...ORIGINALS } },
        { $group: { _id: '$studyInstanceUid', lastReceivedAt: { $max: '$receivedAt' } } },
      ])
      .toArray();
    return rows.map((row) => ({ studyInstanceUid: row._id, lastReceivedAt: row.lastReceivedAt }));
  }

  async countSopInstancesInStudy(studyInstanceUid: string): Promise<number> {
    return (await this.collection.distinct('sopInstanceUid', { studyInstanceUid, ...ORIGINALS })).length;
  }

  async count(): Promise<number> {
    return this.collection.countDocuments({});
  }
}
