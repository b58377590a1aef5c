import { MongoClient } from 'mongodb';
import type { DatabaseService } from '../../src/database/database.service';
import { migrations } from '../../src/database/migrations';
import type { NewInstanceRecord } from '../../src/dicom/instance-record';
import { InstanceRepository } from '../../src/dicom/instance.repository';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

function record(overrides: Partial<NewInstanceRecord>): NewInstanceRecord {
  return {
    sopInstanceUid: '1.2.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    studyInstanceUid: '1.2.100',
    seriesInstanceUid: '1.2.200',
    patientId: 'P1',
    patientName: undefined,
    patientBirthDate: undefined,
    patientSex: undefined,
    accessionNumber: 'A1',
    studyDay: '2026-11-20',
    studyTime: undefined,
    modality: 'DX',
    bodyPartExamined: 'HAND',
    seriesNumber: 1,
    instanceNumber: 1,
    rows: 10,
    columns: 10,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    size: 100,
    sha256: 'a'.repeat(64),
    blobKey: `aa/aa/${'a'.repeat(64)}.dcm`,
    datasetOffset: 200,
    pixelDataOffset: 300,
    receivedAt: new Date('2026-11-20T10:00:00Z'),
    callingAeTitle: 'CR01',
    source: 'dicom',
    version: 1,
    conflict: false,
    ...overrides,
  };
}

describe('InstanceRepository (storage)', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let repository: InstanceRepository;

  beforeAll(async () => {
    database = await startTestDatabase();
    process.stdout.write(`InstanceRepository storage tests run against ${database.kind}\n`);
    service = await openDatabaseService(database, `repo_${Date.now()}`);
    repository = new InstanceRepository(service);
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  /** Indexes `overrides` as the next version of its UID, as ingest and re-indexing do. */
  const index = (overrides: Partial<NewInstanceRecord>) =>
    repository.insertNextVersion(overrides.sopInstanceUid ?? '1.2.1', overrides.sha256 ?? 'a'.repeat(64), (version, conflict) =>
      record({ ...overrides, version, conflict }),
    );

  it('indexes a record once for the same UID and content', async () => {
    const first = await index({});
    const again = await index({});
    expect(first.inserted).toBe(true);
    expect(first.record.version).toBe(1);
    expect(again.inserted).toBe(false);
    expect(again.record.id).toBe(first.record.id);
    expect(await repository.findVersions('1.2.1')).toHaveLength(1);
  });

  it('keeps other content for the same UID as the next version, and recognises either when re-sent', async () => {
    await index({ sha256: 'b'.repeat(64) });
    expect((await index({})).inserted).toBe(false);
    expect((await index({ sha256: 'b'.repeat(64) })).inserted).toBe(false);
    const versions = await repository.findVersions('1.2.1');
    expect(versions.map((version) => [version.version, version.conflict, version.sha256[0]])).toEqual([
      [1, false, 'a'],
      [2, true, 'b'],
    ]);
  });

  it('gives concurrent senders of different content for one new UID each their own version', async () => {
    const contents = ['e', 'f', '0', '1'].map((digit) => digit.repeat(64));
    const results = await Promise.all(
      contents.map((sha256) => index({ sopInstanceUid: '1.5.1', studyInstanceUid: '1.5.100', patientId: 'P5', sha256 })),
    );
    expect(results.every((result) => result.inserted)).toBe(true);
    const versions = await repository.findVersions('1.5.1');
    expect(versions.map((version) => version.version)).toEqual([1, 2, 3, 4]);
    expect(new Set(versions.map((version) => version.sha256))).toEqual(new Set(contents));
    expect(versions.filter((version) => version.conflict)).toHaveLength(3);
  });

  it('searches studies by patient and study day, paged, with the total', async () => {
    await index({ sopInstanceUid: '1.3.1', studyInstanceUid: '1.3.100', sha256: 'c'.repeat(64), studyDay: '2026-11-21' });
    await index({ sopInstanceUid: '1.4.1', studyInstanceUid: '1.4.100', sha256: 'd'.repeat(64), studyDay: '2026-11-22', patientId: 'P2' });
    const patientOne = await repository.searchStudies({ patientId: 'P1', offset: 0, limit: 10 });
    expect(patientOne.total).toBe(2);
    expect(patientOne.items.map((item) => item.studyInstanceUid).sort()).toEqual(['1.2.100', '1.3.100']);
    expect(patientOne.items.find((item) => item.studyInstanceUid === '1.2.100')?.instanceCount).toBe(2);
    const window = await repository.searchStudies({ fromDay: '2026-11-21', toDay: '2026-11-22', offset: 1, limit: 1 });
    expect(window.total).toBe(2);
    expect(window.items).toHaveLength(1);
  });

  it('numbers versions that two senders once got alike again in arrival order before UID + version becomes unique', async () => {
    const client = new MongoClient(database.uri);
    await client.connect();
    try {
      const db = client.db(`renumber_${Date.now()}`);
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute));
      await db.collection('instances').insertMany([
        { ...record({ sopInstanceUid: '2.1', sha256: '1'.repeat(64), version: 1 }), receivedAt: at(0) },
        { ...record({ sopInstanceUid: '2.1', sha256: '2'.repeat(64), version: 2, conflict: true }), receivedAt: at(2) },
        { ...record({ sopInstanceUid: '2.1', sha256: '3'.repeat(64), version: 2, conflict: true }), receivedAt: at(1) },
        { ...record({ sopInstanceUid: '2.2', sha256: '4'.repeat(64), version: 1 }), receivedAt: at(3) },
        { ...record({ sopInstanceUid: '2.2', sha256: '5'.repeat(64), version: 1 }), receivedAt: at(4) },
        { ...record({ sopInstanceUid: '2.3', sha256: '6'.repeat(64), version: 1 }), receivedAt: at(5) },
      ]);
      const uniqueVersions = migrations.find((migration) => migration.version === 8);
      await uniqueVersions?.up(db);
      const numbered = await db
        .collection('instances')
        .find({}, { projection: { _id: 0, sopInstanceUid: 1, sha256: 1, version: 1, conflict: 1 } })
        .sort({ sopInstanceUid: 1, version: 1 })
        .toArray();
      expect(numbered.map((doc) => [doc.sopInstanceUid, (doc.sha256 as string)[0], doc.version, doc.conflict])).toEqual([
        ['2.1', '1', 1, false],
        ['2.1', '3', 2, true],
        ['2.1', '2', 3, true],
        ['2.2', '4', 1, false],
        ['2.2', '5', 2, true],
        ['2.3', '6', 1, false],
      ]);
      await expect(
        db.collection('instances').insertOne({ ...record({ sopInstanceUid: '2.3', sha256: '7'.repeat(64), version: 1 }) }),
      ).rejects.toMatchObject({ code: 11000 });
    } finally {
      await client.close();
    }
  });

  it('applies the migrations once and records them', async () => {
    const client = new MongoClient(database.uri);
    await client.connect();
    try {
      const applied = await client.db(service.db.databaseName).collection('migrations').find({}).toArray();
      expect(applied.map((migration) => migration.version)).toEqual(migrations.map((migration) => migration.version));
    } finally {
      await client.close();
    }
  });
});
