/**
 * Evaluates the installed fracture model on a labelled image folder through the engine's own
 * inference path (Node decoding, preprocessing and onnxruntime; no Python).
 *   npm run evaluate -- --images <dir> --labels <labels.csv> --json <out.json>
 *     [--boxes <boxes.csv>] [--models <dir>]
 * labels.csv uses the FracAtlas columns (image_id,hand,leg,hip,shoulder,...,hardware,...,
 * fractured,fracture_count,...); images may be JPEG, PNG or DICOM. Exit code 1 on any error.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ImagePrediction } from '../src/inference/evaluation';

// The engine logs JSON lines at info; a report on stdout should not be interleaved with them.
process.env.OSTEON_LOG_LEVEL ??= 'warn';

const USAGE = 'usage: evaluate --images <dir> --labels <labels.csv> --json <out.json> [--boxes <boxes.csv>] [--models <dir>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string' },
      labels: { type: 'string' },
      json: { type: 'string' },
      boxes: { type: 'string' },
      models: { type: 'string' },
      concurrency: { type: 'string', default: '2' },
    },
  });
  if (!values.images || !values.labels || !values.json) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  // Loaded after the log level is set: modules create their loggers on import.
  const { loadAppConfig } = await import('../src/config/app-config');
  const { InferenceService } = await import('../src/inference/inference.service');
  const { ModelRepository } = await import('../src/inference/model.repository');
  const { ImageService } = await import('../src/imaging/image.service');
  const { PixelWorkerPool } = await import('../src/imaging/pixel-worker.pool');
  const { BlobStoreRepository } = await import('../src/storage/blob-store.repository');
  const { parseBoxes, parseLabels } = await import('../src/inference/evaluation-labels');
  const { evaluate } = await import('../src/inference/evaluation');

  const config = loadAppConfig({ ...process.env, ...(values.models ? { OSTEON_MODELS_DIR: values.models } : {}) });
  const models = new ModelRepository(config);
  const images = new ImageService(new PixelWorkerPool({ workers: 1 }), new BlobStoreRepository(config));
  const service = new InferenceService(models, images);
  try {
    const labels = parseLabels(await fs.readFile(values.labels, 'utf8'));
    if (labels.length === 0) throw new Error(`${values.labels} has no rows`);
    const boxes = values.boxes ? parseBoxes(await fs.readFile(values.boxes, 'utf8')) : undefined;
    const model = await service.describeModel();
    const missing: string[] = [];
    for (const label of labels) {
      await fs.access(path.join(values.images, label.imageId)).catch(() => missing.push(label.imageId));
    }
    if (missing.length > 0)
      throw new Error(`${missing.length} images named in labels.csv are missing, e.g. ${missing.slice(0, 5).join(', ')}`);

    // Warm up (model session, pixel worker, codecs) so latencies describe steady state.
    await service.analyseImageFile(await fs.readFile(path.join(values.images, labels[0]!.imageId))).catch(() => undefined);
    const predictions = new Map<string, ImagePrediction>();
    let next = 0;
    const started = performance.now();
    // Two images in flight: one decoding in the pixel worker while the other runs the model.
    const lanes = Array.from({ length: Math.max(1, Number(values.concurrency) || 2) }, async () => {
      while (next < labels.length) {
        const label = labels[next++]!;
        const bytes = await fs.readFile(path.join(values.images!, label.imageId));
        const findings = isDicom(bytes)
          ? await service.analyseDicom({
              size: bytes.length,
              read: async (position, length) => bytes.subarray(position, position + length),
            })
          : await service.analyseImageFile(bytes);
        predictions.set(label.imageId, {
          imageId: label.imageId,
          fractureProbability: findings.fractureProbability,
          countClass: findings.countClass,
          countProbabilities: findings.countProbabilities,
          modelBodyPart: findings.modelBodyPart,
          peak: findings.heatmap.peak,
          ...(findings.boxes ? { boxes: findings.boxes } : {}),
          totalMs: findings.timingsMs.total,
        });
      }
    });
    await Promise.all(lanes);
    const wallSeconds = (performance.now() - started) / 1000;
    const report = evaluate(labels, predictions, model.version, model.threshold, boxes);
    const output = {
      ...report,
      modelSha256: model.sha256,
      cardThreshold: model.cardThreshold,
      imagesPerSecond: labels.length / wallSeconds,
      images: path.resolve(values.images),
      labels: path.resolve(values.labels),
      boxes: values.boxes ? path.resolve(values.boxes) : undefined,
      modelsDir: config.inference.modelsDir,
      createdAt: new Date().toISOString(),
      predictions: labels.map((label) => predictions.get(label.imageId)),
    };
    await fs.mkdir(path.dirname(path.resolve(values.json)), { recursive: true });
    await fs.writeFile(values.json, `${JSON.stringify(output, null, 2)}\n`);
    process.stdout.write(table(output, values.json));
  } finally {
    await images.onModuleDestroy();
    await models.close();
  }
}

function isDicom(bytes: Buffer): boolean {
  return bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM';
}

function table(report: Record<string, unknown>, jsonPath: string): string {
  const number = (value: unknown, digits = 3): string => (typeof value === 'number' ? value.toFixed(digits) : 'n/a');
  const confusion = report.confusion as { tp: number; fp: number; tn: number; fn: number };
  const latency = report.latencyMs as { p50: number; p95: number };
  const rows: Array<[string, string]> = [
    ['model', String(report.modelVersion)],
    ['images', `${report.n} (${report.nFractured} fractured)`],
    ['ROC-AUC', number(report.auroc)],
    ['ROC-AUC without hardware', `${number(report.auroc_noHardware)} (n=${report.nNoHardware})`],
    ['PR-AUC (average precision)', number(report.prAuc)],
    ['threshold', number(report.threshold, 4)],
    ['sensitivity at threshold', number(report.sensitivity)],
    ['specificity at threshold', number(report.specificity)],
    ['accuracy at threshold', number(report.accuracy)],
    ['TP / FP / TN / FN', `${confusion.tp} / ${confusion.fp} / ${confusion.tn} / ${confusion.fn}`],
    ['count macro-F1 (0/1/2+)', `${number(report.countMacroF1)} (n=${report.countN})`],
    ['count 2+ recall', `${number(report.count2PlusRecall)} (n=${report.count2PlusN})`],
    ['calibration error (ECE, 10 bins)', number(report.ece)],
    ['Brier score', number(report.brier, 4)],
    ['ROC-AUC hand / leg / hip / shoulder', ['hand', 'leg', 'hip', 'shoulder'].map((part) => number(report[`auroc_${part}`])).join(' / ')],
    ['body part top-1 accuracy', `${number(report.bodyPartAccuracy)} (n=${report.bodyPartN})`],
  ];
  if ('pointingGame' in report) {
    const rule = report.pointingGameRule === 'top-box-centre' ? 'pointing game (top box centre)' : 'heat-map pointing game';
    rows.push([rule, `${number(report.pointingGame)} (n=${report.pointingGameN})`]);
  }
  if ('ap50' in report)
    rows.push(['box AP50 (normal images included)', `${number(report.ap50)} (${report.ap50Boxes} boxes, ${report.ap50Images} images)`]);
  rows.push(
    ['latency p50 / p95 (ms)', `${number(latency.p50, 1)} / ${number(latency.p95, 1)}`],
    ['images per second', number(report.imagesPerSecond, 1)],
  );
  const width = Math.max(...rows.map(([name]) => name.length));
  return `${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\nwritten ${jsonPath}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`evaluate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
