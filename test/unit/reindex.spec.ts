import type { DatabaseService } from '../../src/database/database.service';
import type { IngestService } from '../../src/dicom/ingest.service';
import { InstanceEvents } from '../../src/dicom/instance-events';
import type { InstanceRecord } from '../../src/dicom/instance-record';
import { InstanceRepository } from '../../src/dicom/instance.repository';
import { ReindexService } from '../../src/dicom/reindex.service';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { openIngestFixture, stagedRadiograph, type IngestFixture } from '../support/ingest-fixture';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

/** Start-up reconciliation of the blob store (the source of truth) with the index. */
describe('ReindexService', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let fixture: IngestFixture;
  let blobs: BlobStoreRepository;
  let instances: InstanceRepository;
  let ingest: IngestService;
  let reindex: ReindexService;

  beforeAll(async () => {
    database = await startTestDatabase();
  });

  afterAll(async () => {
    await database?.stop();
  });

  beforeEach(async () => {
    service = await openDatabaseService(database, `reindex_${Date.now()}`);
    instances = new InstanceRepository(service);
    fixture = await openIngestFixture(instances, 'reindex');
    ({ blobs, ingest } = fixture);
    reindex = new ReindexService(blobs, instances, new InstanceEvents());
  });

  afterEach(async () => {
    await fixture.close();
    await service.onApplicationShutdown();
  });

  async function store(seed: number): Promise<InstanceRecord> {
    const { instance } = await stagedRadiograph(blobs, { size: 32, seed, patientId: `REINDEX-${seed}` });
    const { record } = await ingest.ingest(instance);
    return record;
  }

  it('indexes a blob without a record again and removes a record whose file never reached the store', async () => {
    const kept = await store(3);
    const unbacked = await store(5);
    const unindexed = await store(7);
    // A crash while the file was synced: its record was written, the file never reached its address.
    await blobs.remove(unbacked.blobKey);
    // A crash between the file's move and its record.
    await instances.remove(unindexed.id);

    const outcome = await reindex.reconcile();

    expect(outcome).toMatchObject({ scanned: 2, reindexed: 1, failed: 0, unbacked: 1 });
    expect(await instances.findVersions(kept.sopInstanceUid)).toHaveLength(1);
    expect(await instances.findVersions(unbacked.sopInstanceUid)).toHaveLength(0);
    expect(await instances.findVersions(unindexed.sopInstanceUid)).toMatchObject([{ sha256: unindexed.sha256, source: 'reindex' }]);
  });

  it('keeps the records when more files are missing than a crash leaves (a data directory not all there)', async () => {
    const template = await store(11);
    const { id: _id, ...fields } = template;
    for (let index = 0; index < 257; index += 1) {
      const sha256 = index.toString(16).padStart(64, '0');
      await instances.insertNextVersion(`${template.sopInstanceUid}.${index}`, sha256, () => ({
        ...fields,
        sopInstanceUid: `${template.sopInstanceUid}.${index}`,
        sha256,
        blobKey: BlobStoreRepository.keyFor(sha256),
      }));
    }

    const outcome = await reindex.reconcile();

    expect(outcome).toMatchObject({ scanned: 1, reindexed: 0, unbacked: 0 });
    expect(await instances.count()).toBe(258);
  });
});
