/**
 * Exports doctors' training labels as a de-identified training folder (images/*.png +
 * labels.csv + manifest.json), the trainer's layout, mergeable with FracAtlas via --data.
 *   npm run export-dataset -- --out <dir> [--since 2026-11-01] [--holdout 0.2]
 * Reads the database named by MONGODB_URI and the blob store under OSTEON_DATA_DIR.
 */
import { parseArgs } from 'node:util';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, since: { type: 'string' }, holdout: { type: 'string', default: '0' } },
  });
  if (!values.out) {
    process.stderr.write('usage: export-dataset --out <dir> [--since YYYY-MM-DD] [--holdout 0..0.9]\n');
    process.exit(2);
  }
  process.env.OSTEON_LOG_LEVEL ??= 'warn';
  const { loadAppConfig } = await import('../src/config/app-config');
  const { DatabaseService } = await import('../src/database/database.service');
  const { TrainingLabelRepository } = await import('../src/training-labels/training-label.repository');
  const { TrainingLabelService } = await import('../src/training-labels/training-label.service');
  const { BlobStoreRepository } = await import('../src/storage/blob-store.repository');
  const { LearningFilesRepository } = await import('../src/learning/learning-files.repository');
  const { DatasetExportService } = await import('../src/learning/dataset-export.service');
  const { ImageService } = await import('../src/imaging/image.service');
  const { PixelWorkerPool } = await import('../src/imaging/pixel-worker.pool');
  const config = loadAppConfig();
  if (!config.database.uri) throw new Error('MONGODB_URI must name the engine database to export from');
  const database = new DatabaseService(config);
  await database.onModuleInit();
  // The tool owns the whole process: decode inline, no worker thread.
  const images = new ImageService(new PixelWorkerPool({ workers: 0 }), new BlobStoreRepository(config));
  try {
    const exporter = new DatasetExportService(
      new TrainingLabelService(new TrainingLabelRepository(database)),
      new LearningFilesRepository(config),
      images,
    );
    const since = values.since ? new Date(values.since) : undefined;
    if (since && Number.isNaN(since.getTime())) throw new Error('--since is not a date');
    const result = await exporter.export(values.out, { since, holdoutFraction: Number(values.holdout) });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await database.onApplicationShutdown();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`export-dataset: ${error.message}\n`);
  process.exit(1);
});
