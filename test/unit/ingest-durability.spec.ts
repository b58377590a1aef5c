import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseService } from '../../src/database/database.service';
import { IngestErrorCode } from '../../src/dicom/ingest.exception';
import { IngestMetrics } from '../../src/dicom/ingest-metrics';
import type { IngestService, StagedInstance } from '../../src/dicom/ingest.service';
import { InstanceRepository } from '../../src/dicom/instance.repository';
import { MetricsRegistry } from '../../src/metrics/metrics.registry';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { openIngestFixture, stagePart10, stagedRadiograph, type IngestFixture } from '../support/ingest-fixture';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

const realOpenSync = fsSync.openSync.bind(fsSync);
const realFsync = fsSync.fsync.bind(fsSync);

/**
 * The index record is written while the staged file is synced, moved and its directory entry synced
 * (src/dicom/ingest.service.ts): the sender must still hear Success only once all of them are durable.
 */
describe('IngestService: Success only once the file, its directory entry and its record are durable', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let fixture: IngestFixture;
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
    fixture = await openIngestFixture(instances, 'ingest');
    ({ dataDir, blobs, ingest } = fixture);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await fixture.close();
  });

  /** A small radiograph, staged as the SCP stages what it receives. */
  const staged = (): ReturnType<typeof stagedRadiograph> => stagedRadiograph(blobs, { size: 64, seed: 7, patientId: 'DURABLE-1' });

  const stage = (part10: Buffer, datasetOffset: number): Promise<StagedInstance['staged']> => stagePart10(blobs, part10, datasetOffset);

  /** Holds (or fails) the fsync of every staging file until the test says so; `started` once one waits. */
  function gateStagingSync(): { started: Promise<void>; release: (failure?: Error) => void } {
    let release!: (failure?: Error) => void;
    const released = new Promise<Error | undefined>((resolve) => (release = resolve));
    let signalStarted!: () => void;
    const started = new Promise<void>((resolve) => (signalStarted = resolve));
    const stagingRoot = path.join(dataDir, 'staging');
    jest.spyOn(fsSync, 'fsync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      if (!fsSync.readlinkSync(`/proc/self/fd/${fd}`).startsWith(stagingRoot)) return realFsync(fd, callback);
      signalStarted();
      void released.then((failure) => (failure ? callback(failure) : realFsync(fd, callback)));
    }) as typeof fsSync.fsync);
    return { started, release };
  }

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let tries = 0; tries < 100 && !(await check()); tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
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
    await eventually(async () => (await instances.findVersions(sopInstanceUid)).length > 0);
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

  it('indexes while the staged file is synced, and moves it and answers only after the sync', async () => {
    const gate = gateStagingSync();
    const { instance, sopInstanceUid } = await staged();
    let settled = false;
    const result = ingest.ingest(instance).finally(() => (settled = true));
    await gate.started;
    // The database's round trip overlaps the file's sync; the file stays staged until it is durable.
    await eventually(async () => (await instances.findVersions(sopInstanceUid)).length > 0);
    expect(await instances.findVersions(sopInstanceUid)).toHaveLength(1);
    expect(await blobs.exists(BlobStoreRepository.keyFor(instance.staged.sha256))).toBe(false);
    expect(settled).toBe(false);
    gate.release();
    await expect(result).resolves.toMatchObject({ outcome: 'stored', record: { sopInstanceUid } });
    expect(await blobs.exists(BlobStoreRepository.keyFor(instance.staged.sha256))).toBe(true);
  });

  it('fails the store when the staged file cannot be synced, takes its record back, and stores the re-send', async () => {
    const gate = gateStagingSync();
    const { instance, sopInstanceUid, part10 } = await staged();
    const first = ingest.ingest(instance);
    await gate.started;
    await eventually(async () => (await instances.findVersions(sopInstanceUid)).length > 0);
    gate.release(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(first).rejects.toMatchObject({ code: IngestErrorCode.StorageFailure });
    // The sender was told it failed: no record points at a file that never reached the store.
    expect(await instances.findVersions(sopInstanceUid)).toHaveLength(0);
    expect(await blobs.exists(BlobStoreRepository.keyFor(instance.staged.sha256))).toBe(false);
    jest.restoreAllMocks();

    const outcome = await ingest.ingest({ ...instance, staged: await stage(part10, instance.staged.headerLength) });
    expect(outcome.outcome).toBe('stored');
    expect(await instances.findVersions(sopInstanceUid)).toHaveLength(1);
    expect((await fs.readFile(blobs.pathOf(outcome.record.blobKey))).length).toBe(instance.staged.totalBytes);
  });

  it('reports where the wait went: a slow staged-file sync shows in the file and directory parts, not the index record', async () => {
    await fixture.close();
    const metrics = new MetricsRegistry();
    fixture = await openIngestFixture(instances, 'ingest', new IngestMetrics(metrics));
    ({ dataDir, blobs, ingest } = fixture);
    const parts = async (): Promise<Record<string, { count: number; sum: number }>> => {
      const found: Record<string, { count: number; sum: number }> = {};
      for (const [, kind, part, value] of (await metrics.registry.metrics()).matchAll(
        /^osteon_ingest_durable_seconds_(sum|count)\{part="(\w+)"\} (\S+)$/gm,
      )) {
        const entry = (found[part as string] ??= { count: 0, sum: 0 });
        entry[kind as 'sum' | 'count'] = Number(value);
      }
      return found;
    };

    const gate = gateStagingSync();
    const { instance, sopInstanceUid } = await staged();
    const result = ingest.ingest(instance);
    await gate.started;
    await eventually(async () => (await instances.findVersions(sopInstanceUid)).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    gate.release();
    await result;
    const { file, index, directory } = await parts();
    expect([file?.count, index?.count, directory?.count]).toEqual([1, 1, 1]);
    expect(file?.sum).toBeGreaterThanOrEqual(0.3);
    expect(directory?.sum).toBeGreaterThanOrEqual(file?.sum ?? Infinity);
    expect(index?.sum).toBeLessThan((file?.sum ?? 0) - 0.2);

    // An instance refused is not a stored one: nothing more is observed.
    jest.restoreAllMocks();
    const refused = { ...(await staged()).instance, transferSyntaxUid: '1.2.3.4' };
    await expect(ingest.ingest(refused)).rejects.toMatchObject({ code: IngestErrorCode.TransferSyntaxNotSupported });
    expect((await parts()).file?.count).toBe(1);
  });

  /** The same bytes as `instance`, staged again (the original staging file was moved). */
  async function restage(instance: StagedInstance): Promise<StagedInstance['staged']> {
    const file = await fs.readFile(blobs.pathOf(BlobStoreRepository.keyFor(instance.staged.sha256)));
    return stage(file, instance.staged.headerLength);
  }
});
