import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import type { DatabaseService } from '../../src/database/database.service';
import { imageToDicom } from '../../src/dicom/image-to-dicom';
import { IngestErrorCode } from '../../src/dicom/ingest.exception';
import { IngestActivity } from '../../src/dicom/ingest-activity';
import { IngestService, type StagedInstance } from '../../src/dicom/ingest.service';
import { InstanceEvents } from '../../src/dicom/instance-events';
import { InstanceRepository } from '../../src/dicom/instance.repository';
import { readFileMeta } from '../../src/imaging/part10';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { bufferSource } from '../../src/storage/byte-source';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';
import { finishStaging } from '../support/staging';

const realOpenSync = fsSync.openSync.bind(fsSync);
const realFsync = fsSync.fsync.bind(fsSync);

/**
 * The index record is written while the blob's directory entry is synced (src/dicom/ingest.service.ts):
 * the sender must still hear Success only once both are durable.
 */
describe('IngestService: Success only once the file, its directory entry and its record are durable', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let dataDir: string;
  let ingest: IngestService;
  let instances: InstanceRepository;
  let blobs: BlobStoreRepository;

  beforeAll(async () => {
    database = await startTestDatabase();
    service = await openDatabaseService(database, `ingest_${Date.now()}`);
    instances = new InstanceRepository(service);
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-ingest-'));
    const config = {
      dataDir,
      stagingName: 'test',
      dicom: { maxImagePixels: 100_000_000 },
      receivePriority: { quietMs: 0, maxDeferMs: 0 },
    } as unknown as AppConfig;
    blobs = new BlobStoreRepository(config);
    await blobs.initialise();
    ingest = new IngestService(config, blobs, instances, new InstanceEvents(), new IngestActivity(config));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** A small radiograph, staged as the SCP stages what it receives. */
  async function staged(): Promise<{ instance: StagedInstance; sopInstanceUid: string }> {
    const pixels = new Uint8Array(64 * 64).map((_, index) => (index * 7) % 251);
    const made = imageToDicom({ width: 64, height: 64, pixels, lossySource: false }, { patientId: 'DURABLE-1' });
    const meta = await readFileMeta(bufferSource(made.part10));
    const writer = blobs.createStagingWriter(made.part10.subarray(0, meta.datasetOffset));
    const blob = await finishStaging(writer, [made.part10.subarray(meta.datasetOffset)]);
    return {
      sopInstanceUid: made.sopInstanceUid,
      instance: {
        staged: blob,
        transferSyntaxUid: meta.transferSyntaxUid,
        expected: { sopInstanceUid: made.sopInstanceUid },
        callingAeTitle: 'CR01',
        source: 'dicom',
        receivedAt: new Date(),
        correlationId: 'test-correlation',
      },
    };
  }

  /** Holds (or fails) the directory sync of the blob's shard until the test says so. */
  function gateShardSync(): { opened: Promise<void>; release: (failure?: Error) => void } {
    let release!: (failure?: Error) => void;
    const released = new Promise<Error | undefined>((resolve) => (release = resolve));
    let signalOpened!: () => void;
    const opened = new Promise<void>((resolve) => (signalOpened = resolve));
    const shardDescriptors = new Set<number>();
    jest.spyOn(fsSync, 'openSync').mockImplementation(((file: string, flags: fsSync.OpenMode) => {
      const fd = realOpenSync(file, flags);
      if (flags === 'r' && path.relative(path.join(dataDir, 'blobs'), file).split(path.sep).length === 2) {
        shardDescriptors.add(fd);
        signalOpened();
      }
      return fd;
    }) as typeof fsSync.openSync);
    jest.spyOn(fsSync, 'fsync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      if (!shardDescriptors.delete(fd)) return realFsync(fd, callback);
      void released.then((failure) => (failure ? callback(failure) : realFsync(fd, callback)));
    }) as typeof fsSync.fsync);
    return { opened, release };
  }

  it('indexes while the directory is synced, and answers only after the sync', async () => {
    const { instance, sopInstanceUid } = await staged();
    const gate = gateShardSync();
    let settled = false;
    const result = ingest.ingest(instance).finally(() => (settled = true));
    await gate.opened;
    // The record is written meanwhile, but the sender has no answer yet.
    for (let tries = 0; tries < 100 && (await instances.findVersions(sopInstanceUid)).length === 0; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await instances.findVersions(sopInstanceUid)).toHaveLength(1);
    expect(settled).toBe(false);
    gate.release();
    await expect(result).resolves.toMatchObject({ outcome: 'stored', record: { sopInstanceUid } });
  });

  it('fails the store when the directory sync fails; the re-send syncs it and is stored', async () => {
    const { instance, sopInstanceUid } = await staged();
    const gate = gateShardSync();
    const first = ingest.ingest(instance);
    await gate.opened;
    gate.release(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(first).rejects.toMatchObject({ code: IngestErrorCode.StorageFailure });
    jest.restoreAllMocks();

    // The modality was told it failed and sends the same instance again: its record and file are
    // found, and the file's directory is synced before this answer.
    const synced: string[] = [];
    jest.spyOn(fsSync, 'openSync').mockImplementation(((file: string, flags: fsSync.OpenMode) => {
      if (flags === 'r') synced.push(path.relative(dataDir, file));
      return realOpenSync(file, flags);
    }) as typeof fsSync.openSync);
    const outcome = await ingest.ingest({ ...instance, staged: await restage(instance) });
    expect(outcome.outcome).toBe('duplicate');
    expect(synced).toContain(path.dirname(path.join('blobs', outcome.record.blobKey)));
    expect(await instances.findVersions(sopInstanceUid)).toHaveLength(1);
    const stored = await fs.readFile(blobs.pathOf(outcome.record.blobKey));
    expect(stored.length).toBe(instance.staged.totalBytes);
  });

  /** The same bytes as `instance`, staged again (the original staging file was moved). */
  async function restage(instance: StagedInstance): Promise<StagedInstance['staged']> {
    const file = await fs.readFile(blobs.pathOf(BlobStoreRepository.keyFor(instance.staged.sha256)));
    const writer = blobs.createStagingWriter(file.subarray(0, instance.staged.headerLength));
    return finishStaging(writer, [file.subarray(instance.staged.headerLength)]);
  }
});
