import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import { imageToDicom } from '../../src/dicom/image-to-dicom';
import { IngestActivity } from '../../src/dicom/ingest-activity';
import type { IngestMetrics } from '../../src/dicom/ingest-metrics';
import { IngestService, type StagedInstance } from '../../src/dicom/ingest.service';
import { InstanceEvents } from '../../src/dicom/instance-events';
import type { InstanceRepository } from '../../src/dicom/instance.repository';
import { readFileMeta } from '../../src/imaging/part10';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { bufferSource } from '../../src/storage/byte-source';
import { finishStaging } from './staging';

/** An IngestService over a fresh data directory and the given index, receiving never deferred. */
export interface IngestFixture {
  readonly dataDir: string;
  readonly blobs: BlobStoreRepository;
  readonly ingest: IngestService;
  /** Closes the blob store's staging files and removes the data directory. */
  close(): Promise<void>;
}

export async function openIngestFixture(instances: InstanceRepository, name: string, metrics?: IngestMetrics): Promise<IngestFixture> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `osteon-${name}-`));
  const config = {
    dataDir,
    stagingName: 'test',
    dicom: { maxImagePixels: 100_000_000 },
    receivePriority: { quietMs: 0, maxDeferMs: 0, readNice: 0 },
  } as unknown as AppConfig;
  const blobs = new BlobStoreRepository(config);
  await blobs.initialise();
  const ingest = new IngestService(config, blobs, instances, new InstanceEvents(), new IngestActivity(config), metrics);
  return {
    dataDir,
    blobs,
    ingest,
    close: async () => {
      await blobs.onApplicationShutdown();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Stages Part 10 bytes as the SCP stages what it receives: the header first, then the data set. */
export function stagePart10(blobs: BlobStoreRepository, part10: Buffer, datasetOffset: number): Promise<StagedInstance['staged']> {
  const writer = blobs.createStagingWriter(part10.subarray(0, datasetOffset));
  return finishStaging(writer, [part10.subarray(datasetOffset)]);
}

/** A small made-up radiograph (`size` pixels square, content varying with `seed`), staged and ready to ingest. */
export async function stagedRadiograph(
  blobs: BlobStoreRepository,
  { size, seed, patientId }: { size: number; seed: number; patientId: string },
): Promise<{ instance: StagedInstance; sopInstanceUid: string; part10: Buffer }> {
  const pixels = new Uint8Array(size * size).map((_, index) => (index * seed) % 251);
  const made = imageToDicom({ width: size, height: size, pixels, lossySource: false }, { patientId });
  const meta = await readFileMeta(bufferSource(made.part10));
  return {
    sopInstanceUid: made.sopInstanceUid,
    part10: made.part10,
    instance: {
      staged: await stagePart10(blobs, made.part10, meta.datasetOffset),
      transferSyntaxUid: meta.transferSyntaxUid,
      expected: { sopInstanceUid: made.sopInstanceUid },
      callingAeTitle: 'CR01',
      source: 'dicom',
      receivedAt: new Date(),
      correlationId: 'test-correlation',
    },
  };
}
