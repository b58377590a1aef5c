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

  it('inserts a record once for the same UID and content', async () => {
    const first = await repository.insertIfAbsent(record({}));
    const again = await repository.insertIfAbsent(record({}));
    expect(first.inserted).toBe(true);
    expect(again.inserted).toBe(false);
    expect(again.record.id).toBe(first.record.id);
    expect(await repository.findVersions('1.2.1')).toHaveLength(1);
  });

  it('keeps other content for the same UID as a second version', async () => {
    await repository.insertIfAbsent(record({ sha256: 'b'.repeat(64), version: 2, conflict: true }));
    const versions = await repository.findVersions('1.2.1');
    expect(versions.map((version) => [version.version, version.conflict])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('searches studies by patient and study day, paged, with the total', async () => {
    await repository.insertIfAbsent(
      record({ sopInstanceUid: '1.3.1', studyInstanceUid: '1.3.100', sha256: 'c'.repeat(64), studyDay: '2026-11-21' }),
    );
    await repository.insertIfAbsent(
      record({ sopInstanceUid: '1.4.1', studyInstanceUid: '1.4.100', sha256: 'd'.repeat(64), studyDay: '2026-11-22', patientId: 'P2' }),
    );
    const patientOne = await repository.searchStudies({ patientId: 'P1', offset: 0, limit: 10 });
    expect(patientOne.total).toBe(2);
    expect(patientOne.items.map((item) => item.studyInstanceUid).sort()).toEqual(['1.2.100', '1.3.100']);
    expect(patientOne.items.find((item) => item.studyInstanceUid === '1.2.100')?.instanceCount).toBe(2);
    const window = await repository.searchStudies({ fromDay: '2026-11-21', toDay: '2026-11-22', offset: 1, limit: 1 });
    expect(window.total).toBe(2);
    expect(window.items).toHaveLength(1);
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
