/**
 * Fracture inference latency per transfer syntax: read + decode + preprocess + model, through
 * the engine's own path (blob store -> pixel worker -> onnxruntime), and throughput with two
 * images in flight. Also the event-loop delay with the pixel worker versus decoding inline.
 *   npm run bench:inference -- [--models <dir>] [--iterations 20] [--large-iterations 5] [--threads 2]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { InstanceRecord } from '../src/dicom/instance-record';
import type { SyntaxName } from '../test/support/dicom-fixtures';

process.env.OSTEON_LOG_LEVEL ??= 'warn';

interface Sample {
  readonly total: number;
  readonly decode: number;
  readonly preprocess: number;
  readonly inference: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      iterations: { type: 'string', default: '20' },
      'large-iterations': { type: 'string', default: '5' },
      threads: { type: 'string', default: '2' },
    },
  });
  const { loadAppConfig } = await import('../src/config/app-config');
  const { InferenceService } = await import('../src/inference/inference.service');
  const { ModelRepository } = await import('../src/inference/model.repository');
  const { ImageService } = await import('../src/imaging/image.service');
  const { PixelWorkerPool } = await import('../src/imaging/pixel-worker.pool');
  const { BlobStoreRepository } = await import('../src/storage/blob-store.repository');
  const { percentile } = await import('../src/inference/evaluation');
  const { convertSyntax, FIXTURE_IMAGES, makeInstance, SYNTAX_UIDS } = await import('../test/support/dicom-fixtures');
  const { dcmtk } = await import('../test/support/dcmtk');

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'osteon-bench-inference-'));
  const config = loadAppConfig({
    ...process.env,
    OSTEON_DATA_DIR: path.join(work, 'data'),
    OSTEON_INFERENCE_THREADS: values.threads,
    ...(values.models ? { OSTEON_MODELS_DIR: values.models } : {}),
  });
  const blobs = new BlobStoreRepository(config);
  await blobs.initialise();
  const models = new ModelRepository(config);
  const pools: Array<InstanceType<typeof PixelWorkerPool>> = [];
  const serviceWith = (workers: number): InstanceType<typeof InferenceService> => {
    const pool = new PixelWorkerPool({ workers });
    pools.push(pool);
    return new InferenceService(models, new ImageService(pool, blobs));
  };
  const store = async (file: string): Promise<InstanceRecord> => {
    const bytes = await fs.readFile(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const blobKey = BlobStoreRepository.keyFor(sha256);
    await fs.mkdir(path.dirname(blobs.pathOf(blobKey)), { recursive: true });
    await fs.writeFile(blobs.pathOf(blobKey), bytes);
    return { id: sha256.slice(0, 24), blobKey, sha256, size: bytes.length, bodyPartExamined: undefined } as unknown as InstanceRecord;
  };

  try {
    const model = await models.describe();
    const service = serviceWith(1);
    const source = path.join(FIXTURE_IMAGES, 'IMG0000188.jpg');
    // A full-size DX is ~2000 x 2500: upscale a fixture to see decode cost at that size.
    const largeJpeg = path.join(work, 'large.jpg');
    await sharp(source).resize(2048, 2560, { fit: 'fill' }).jpeg({ quality: 92 }).toFile(largeJpeg);
    const sizes = [
      { label: '410x512', image: source, name: 'IMG0000188.jpg', iterations: Number(values.iterations) },
      { label: '2048x2560', image: largeJpeg, name: undefined, iterations: Number(values['large-iterations']) },
    ];
    const syntaxes = [...(Object.keys(SYNTAX_UIDS) as SyntaxName[]), 'jpeg2000-lossy' as const];
    const table: string[][] = [['size', 'syntax', 'file KB', 'p50 total', 'p95 total', 'p50 decode', 'p50 preproc', 'p50 model']];
    const everyRecord: InstanceRecord[] = [];
    for (const size of sizes) {
      const explicit = path.join(work, `${size.label}-explicit.dcm`);
      if (size.name) await makeInstance(size.name, explicit, { patientId: 'BENCH' });
      else await makeLarge(size.image, explicit);
      for (const syntax of syntaxes) {
        const file = path.join(work, `${size.label}-${syntax}.dcm`);
        if (syntax === 'jpeg2000-lossy') await dcmtk('gdcmconv', ['--j2k', '--lossy', '--irreversible', '-q', '40', explicit, file]);
        else if (syntax !== 'explicit') await convertSyntax(explicit, file, syntax);
        const record = await store(file);
        everyRecord.push(record);
        await service.analyseInstance(record);
        const samples: Sample[] = [];
        for (let i = 0; i < size.iterations; i += 1) {
          const started = performance.now();
          const findings = await service.analyseInstance(record);
          samples.push({
            total: performance.now() - started,
            decode: findings.timingsMs.decode,
            preprocess: findings.timingsMs.preprocess,
            inference: findings.timingsMs.inference,
          });
        }
        const ms = (pick: (s: Sample) => number, q: number): string => percentile(samples.map(pick), q).toFixed(1);
        table.push([
          size.label,
          syntax,
          ((await fs.stat(file)).size / 1024).toFixed(0),
          ms((s) => s.total, 0.5),
          ms((s) => s.total, 0.95),
          ms((s) => s.decode, 0.5),
          ms((s) => s.preprocess, 0.5),
          ms((s) => s.inference, 0.5),
        ]);
      }
    }
    printTable(
      `Latency per image, ms (model ${model.version}, S=${model.inputSize}, ${config.inference.threads} onnxruntime threads, ${os.cpus().length} CPUs)`,
      table,
    );

    const throughput: string[][] = [['size', 'mode', 'images', 'seconds', 'images/s', 'loop delay p99 ms', 'max ms']];
    const inline = serviceWith(0);
    for (const [index, size] of sizes.entries()) {
      const records = everyRecord.slice(index * syntaxes.length, (index + 1) * syntaxes.length);
      const count = Math.max(records.length, size.iterations * 2);
      for (const [mode, runner] of [
        ['pixel worker (engine)', service],
        ['inline decode (peer)', inline],
      ] as const) {
        const queue = Array.from({ length: count }, (_, i) => records[i % records.length]!);
        const delay = monitorEventLoopDelay({ resolution: 5 });
        delay.enable();
        const started = performance.now();
        await Promise.all(
          [0, 1].map(async () => {
            for (let record = queue.shift(); record; record = queue.shift()) await runner.analyseInstance(record);
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        delay.disable();
        throughput.push([
          size.label,
          mode,
          String(count),
          seconds.toFixed(2),
          (count / seconds).toFixed(1),
          (delay.percentile(99) / 1e6).toFixed(1),
          (delay.max / 1e6).toFixed(1),
        ]);
      }
    }
    printTable('Throughput with 2 images in flight over every syntax, and how long the event loop was blocked', throughput);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await models.close();
    await fs.rm(work, { recursive: true, force: true });
  }

  async function makeLarge(image: string, target: string): Promise<void> {
    const { imageToDicom } = await import('../src/dicom/image-to-dicom');
    const { data, info } = await sharp(image).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const made = imageToDicom(
      { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), lossySource: true },
      { patientId: 'BENCH' },
    );
    await fs.writeFile(target, made.part10);
  }
}

function printTable(title: string, rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  process.stdout.write(`\n${title}\n`);
  for (const row of rows)
    process.stdout.write(
      `${row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}\n`,
    );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
