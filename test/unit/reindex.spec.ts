import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import type { DatabaseService } from '../../src/database/database.service';
import { imageToDicom } from '../../src/dicom/image-to-dicom';
import { IngestActivity } from '../../src/dicom/ingest-activity';
import { IngestService } from '../../src/dicom/ingest.service';
import { InstanceEvents } from '../../src/dicom/instance-events';
import type { InstanceRecord } from '../../src/dicom/instance-record';
import { InstanceRepository } from '../../src/dicom/instance.repository';
import { ReindexService } from '../../src/dicom/reindex.service';
import { readFileMeta } from '../../src/imaging/part10';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { bufferSource } from '../../src/storage/byte-source';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { finishStaging } from '../support/staging';

/** Start-up reconciliation of the blob store (the source of truth) with the index. */
describe('ReindexService', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let dataDir: string;
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
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-reindex-'));
    const config = {
      dataDir,
      stagingName: 'test',
      dicom: { maxImagePixels: 100_000_000 },
      receivePriority: { quietMs: 0, maxDeferMs: 0 },
    } as unknown as AppConfig;
    blobs = new BlobStoreRepository(config);
    await blobs.initialise();
    ingest = new IngestService(config, blobs, instances, new InstanceEvents(), new IngestActivity(config));
    reindex = new ReindexService(blobs, instances, new InstanceEvents());
  });

  afterEach(async () => {
    await blobs.onApplicationShutdown();
    await service.onApplicationShutdown();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function store(seed: number): Promise<InstanceRecord> {
    const pixels = new Uint8Array(32 * 32).map((_, index) => (index * seed) % 251);
    const made = imageToDicom({ width: 32, height: 32, pixels, lossySource: false }, { patientId: `REINDEX-${seed}` });
    const meta = await readFileMeta(bufferSource(made.part10));
    const writer = blobs.createStagingWriter(made.part10.subarray(0, meta.datasetOffset));
    const staged = await finishStaging(writer, [made.part10.subarray(meta.datasetOffset)]);
    const { record } = await ingest.ingest({
      staged,
      transferSyntaxUid: meta.transferSyntaxUid,
      expected: { sopInstanceUid: made.sopInstanceUid },
      callingAeTitle: 'CR01',
      source: 'dicom',
      receivedAt: new Date(),
      correlationId: 'test-correlation',
    });
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
