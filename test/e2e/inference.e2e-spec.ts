import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Test } from '@nestjs/testing';
import sharp from 'sharp';
import { InferenceImageAnalyser } from '../../src/analysis/inference-image.analyser';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { APP_CONFIG } from '../../src/config/config.tokens';
import type { InstanceRecord } from '../../src/dicom/instance-record';
import { ImagingErrorCode } from '../../src/imaging/imaging.exception';
import type { FractureFindings } from '../../src/inference/fracture-findings';
import { InferenceErrorCode } from '../../src/inference/inference.exception';
import { InferenceModule } from '../../src/inference/inference.module';
import { InferenceService } from '../../src/inference/inference.service';
import { ModelRepository } from '../../src/inference/model.repository';
import { BlobStoreRepository } from '../../src/storage/blob-store.repository';
import { StorageModule } from '../../src/storage/storage.module';
import { convertSyntax, FIXTURE_IMAGES, makeInstance, SYNTAX_UIDS, type SyntaxName } from '../support/dicom-fixtures';
import { smokeModelsDir } from '../support/fracture-model';
import { bufferSource, pixelDataset } from '../support/pixel-fixtures';
import { tempWorkspace } from '../support/workspace';

const IMAGE = 'IMG0000466.jpg';
const SYNTAXES = Object.keys(SYNTAX_UIDS) as SyntaxName[];
const SHIPPED_MODELS = path.join(__dirname, '..', '..', 'models');

function configFor(modelsDir: string, dataDir: string, extra: Record<string, string> = {}): AppConfig {
  return loadAppConfig({ NODE_ENV: 'test', OSTEON_MODELS_DIR: modelsDir, OSTEON_DATA_DIR: dataDir, OSTEON_LOG_LEVEL: 'warn', ...extra });
}

async function serviceFor(
  config: AppConfig,
): Promise<{ service: InferenceService; models: ModelRepository; blobs: BlobStoreRepository; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, StorageModule, InferenceModule] })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .compile();
  const app = await moduleRef.init();
  return {
    service: app.get(InferenceService),
    models: app.get(ModelRepository),
    blobs: app.get(BlobStoreRepository),
    close: () => app.close(),
  };
}

/** Puts a Part 10 file in the blob store and returns the record the index would hold. */
async function storeInstance(blobs: BlobStoreRepository, file: string, bodyPartExamined?: string): Promise<InstanceRecord> {
  const bytes = await fs.readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const blobKey = BlobStoreRepository.keyFor(sha256);
  await fs.mkdir(path.dirname(blobs.pathOf(blobKey)), { recursive: true });
  await fs.writeFile(blobs.pathOf(blobKey), bytes);
  return { id: sha256.slice(0, 24), blobKey, sha256, size: bytes.length, bodyPartExamined } as unknown as InstanceRecord;
}

function expectProbability(value: number): void {
  expect(value).toBeGreaterThanOrEqual(0);
  expect(value).toBeLessThanOrEqual(1);
}

describe('fracture inference (a smoke model trained by training/train.py on the fixtures)', () => {
  let workspace: { dir: string; cleanup: () => Promise<void> };
  let modelsDir: string;
  let engine: Awaited<ReturnType<typeof serviceFor>>;
  const findings = new Map<SyntaxName, FractureFindings>();
  const records = new Map<SyntaxName, InstanceRecord>();

  beforeAll(async () => {
    modelsDir = await smokeModelsDir();
    workspace = await tempWorkspace('inference');
    engine = await serviceFor(configFor(modelsDir, path.join(workspace.dir, 'data')));
    const explicit = path.join(workspace.dir, 'explicit.dcm');
    await makeInstance(IMAGE, explicit, { patientId: 'INFER' });
    for (const syntax of SYNTAXES) {
      const file = path.join(workspace.dir, `${syntax}.dcm`);
      if (syntax !== 'explicit') await convertSyntax(explicit, file, syntax);
      records.set(syntax, await storeInstance(engine.blobs, file));
      findings.set(syntax, await engine.service.analyseInstance(records.get(syntax)!));
    }
  }, 240_000);

  afterAll(async () => {
    await engine?.close();
    await workspace?.cleanup();
  });

  it('describes the model from its card: version, input size and threshold', async () => {
    const card = JSON.parse(await fs.readFile(path.join(modelsDir, 'osteon-fracture-0.0.0-smoke.card.json'), 'utf8')) as {
      preprocessing: { S: number };
      threshold: { value: number };
    };
    const model = await engine.service.describeModel();
    expect(model).toMatchObject({ version: '0.0.0-smoke', inputSize: card.preprocessing.S, threshold: card.threshold.value });
  });

  it('returns outputs with the documented shapes for a batch', async () => {
    const card = JSON.parse(await fs.readFile(path.join(modelsDir, 'osteon-fracture-0.0.0-smoke.card.json'), 'utf8')) as {
      outputs: Array<{ name: string; shape: Array<string | number> }>;
    };
    const [, gridHeight, gridWidth] = card.outputs.find((output) => output.name === 'heatmap')!.shape as [string, number, number];
    const size = (await engine.models.describe()).inputSize;
    const batch = new Float32Array(3 * size * size).map((_, i) => (i % 97) / 96);
    const outputs = await engine.models.run(batch, 3);
    expect(outputs.fracture).toHaveLength(3);
    expect(outputs.countProbabilities).toHaveLength(9);
    expect(outputs.bodyPartProbabilities).toHaveLength(12);
    expect([outputs.heatmap.height, outputs.heatmap.width]).toEqual([gridHeight, gridWidth]);
    expect(outputs.heatmap.data).toHaveLength(3 * gridHeight * gridWidth);
    for (let n = 0; n < 3; n += 1) expect(outputs.countProbabilities.slice(3 * n, 3 * n + 3).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    [...outputs.fracture, ...outputs.bodyPartProbabilities, ...outputs.heatmap.data].forEach(expectProbability);
  });

  it('gives identical findings for every lossless transfer syntax and the JPEG itself', async () => {
    const fromJpeg = await engine.service.analyseImageFile(await fs.readFile(path.join(FIXTURE_IMAGES, IMAGE)));
    for (const syntax of SYNTAXES.filter((name) => name !== 'jpeg-baseline')) {
      expect(findings.get(syntax)!.fractureProbability).toBe(fromJpeg.fractureProbability);
      expect(findings.get(syntax)!.bodyPartProbabilities).toEqual(fromJpeg.bodyPartProbabilities);
    }
    expect(Math.abs(findings.get('jpeg-baseline')!.fractureProbability - fromJpeg.fractureProbability)).toBeLessThan(0.05);
  });

  it('reports probabilities, classes and a thresholded flag', () => {
    const result = findings.get('explicit')!;
    expectProbability(result.fractureProbability);
    expect(result.fracture).toBe(result.fractureProbability >= result.threshold);
    expect(['0', '1', '2+']).toContain(result.countClass);
    expect(Object.keys(result.countProbabilities)).toEqual(['0', '1', '2+']);
    expect(Object.keys(result.bodyPartProbabilities)).toEqual(['hand', 'leg', 'hip', 'shoulder']);
    expect(result.bodyPartSource).toBe('model');
    expect(result.bodyPart).toBe(result.modelBodyPart);
    expect(result.image).toEqual({ width: 373, height: 454 });
  });

  it("returns the box head's boxes on the original image, best first", () => {
    const result = findings.get('explicit')!;
    expect(result.boxes).toBeDefined();
    const boxes = result.boxes!;
    expect(boxes.length).toBeGreaterThan(0);
    for (const box of boxes) {
      for (const value of [box.x1, box.y1, box.x2, box.y2, box.score]) expectProbability(value);
      expect(box.x2).toBeGreaterThan(box.x1);
      expect(box.y2).toBeGreaterThan(box.y1);
      expect(box.score).toBeGreaterThan(0);
    }
    expect(boxes.map((box) => box.score)).toEqual([...boxes.map((box) => box.score)].sort((a, b) => b - a));
  });

  it("keeps the top box as the image's region in what a report stores (the SR, PACS image, console and PDF draw it)", async () => {
    const top = findings.get('explicit')!.boxes![0]!;
    const { findings: stored } = await new InferenceImageAnalyser(engine.service).analyse(records.get('explicit')!);
    expect(stored.box).toEqual({ x0: top.x1, y0: top.y1, x1: top.x2, y1: top.y2 });
  });

  it('renders the heat map as a PNG at the image aspect with the peak inside the image', async () => {
    const { heatmap, image } = findings.get('rle')!;
    const meta = await sharp(heatmap.png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: heatmap.width, height: heatmap.height, channels: 1 });
    expect(Math.abs(heatmap.width / heatmap.height - image.width / image.height)).toBeLessThan(0.01);
    expect(Math.max(heatmap.width, heatmap.height)).toBeLessThanOrEqual(256);
    expectProbability(heatmap.peak.x);
    expectProbability(heatmap.peak.y);
  });

  it('takes the body part from Body Part Examined when it names a model region', async () => {
    const wrist = path.join(workspace.dir, 'wrist.dcm');
    await makeInstance(IMAGE, wrist, { patientId: 'INFER' }, { bodyPartExamined: 'WRIST' });
    const fromHeader = await engine.service.analyseInstance(await storeInstance(engine.blobs, wrist));
    expect(fromHeader).toMatchObject({ bodyPart: 'hand', bodyPartSource: 'dicom' });
    const chest = await engine.service.analyseInstance(await storeInstance(engine.blobs, wrist, 'CHEST'));
    expect(chest).toMatchObject({ bodyPart: chest.modelBodyPart, bodyPartSource: 'model' });
    const knee = await engine.service.analyseInstance(await storeInstance(engine.blobs, wrist, 'KNEE'));
    expect(knee).toMatchObject({ bodyPart: 'leg', bodyPartSource: 'dicom' });
  });

  it('passes bad pixel data back from the worker as a typed error', async () => {
    const rgb = pixelDataset({
      rows: 8,
      columns: 8,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      samplesPerPixel: 3,
      photometricInterpretation: 'RGB',
      pixelData: new Uint8Array(192),
    });
    await expect(engine.service.analyseDicom(bufferSource(rgb))).rejects.toMatchObject({ code: ImagingErrorCode.UnsupportedPhotometric });
    const short = pixelDataset({
      rows: 8,
      columns: 8,
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      pixelData: new Uint8Array(10),
    });
    await expect(engine.service.analyseDicom(bufferSource(short))).rejects.toMatchObject({ code: ImagingErrorCode.InvalidPixelData });
    await expect(engine.service.analyseImageFile(Buffer.from('not an image'))).rejects.toMatchObject({
      code: ImagingErrorCode.ImageUnreadable,
    });
  });

  it('uses the site threshold from OSTEON_FRACTURE_THRESHOLD instead of the card', async () => {
    const probability = findings.get('explicit')!.fractureProbability;
    const grey = await sharp(path.join(FIXTURE_IMAGES, IMAGE)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const image = { width: grey.info.width, height: grey.info.height, pixels: new Uint8Array(grey.data) };
    for (const threshold of [Math.max(0.0001, probability - 0.001), Math.min(1, probability + 0.001)]) {
      const site = await serviceFor(
        configFor(modelsDir, path.join(workspace.dir, 'data'), { OSTEON_FRACTURE_THRESHOLD: String(threshold) }),
      );
      try {
        const result = await site.service.analyseImage(image);
        expect(result.threshold).toBe(threshold);
        expect(result.fracture).toBe(probability >= threshold);
      } finally {
        await site.close();
      }
    }
  });

  it('starts without a model and says clearly that none is installed', async () => {
    const empty = path.join(workspace.dir, 'no-models');
    await fs.mkdir(empty, { recursive: true });
    const bare = await serviceFor(configFor(empty, path.join(workspace.dir, 'data')));
    try {
      await expect(bare.service.describeModel()).rejects.toMatchObject({
        code: InferenceErrorCode.ModelNotAvailable,
        reason: expect.stringContaining('current.json'),
      });
    } finally {
      await bare.close();
    }
  });

  it('refuses a model file whose SHA-256 does not match its release', async () => {
    const tampered = path.join(workspace.dir, 'tampered-models');
    await fs.cp(modelsDir, tampered, { recursive: true });
    const current = JSON.parse(await fs.readFile(path.join(tampered, 'current.json'), 'utf8')) as { model: string };
    await fs.appendFile(path.join(tampered, current.model), Buffer.from([0]));
    const repository = new ModelRepository(configFor(tampered, path.join(workspace.dir, 'data')));
    await expect(repository.describe()).rejects.toMatchObject({
      code: InferenceErrorCode.ModelInvalid,
      reason: expect.stringContaining('SHA-256'),
    });
  });

  const shipped = existsSync(path.join(SHIPPED_MODELS, 'current.json'));
  const shippedVersion = shipped
    ? (JSON.parse(readFileSync(path.join(SHIPPED_MODELS, 'current.json'), 'utf8')) as { version: string }).version
    : undefined;
  // training/fixture_expectations.py writes what the trainer's preprocessing and onnxruntime give on the fixtures
  const expectations = path.join(FIXTURE_IMAGES, '..', `expected-osteon-fracture-${shippedVersion ?? 'none'}.json`);
  (existsSync(expectations) ? it : it.skip)(
    "gives the trainer's outputs and boxes for the shipped model on the fixture images",
    async () => {
      interface Expected {
        image_id: string;
        fracture_prob: number;
        count_probs: number[];
        body_part_probs: number[];
        boxes?: Array<{ x1: number; y1: number; x2: number; y2: number; score: number }>;
      }
      const expected = JSON.parse(await fs.readFile(expectations, 'utf8')) as { images: Expected[] };
      const site = await serviceFor(configFor(SHIPPED_MODELS, path.join(workspace.dir, 'data')));
      try {
        for (const image of expected.images) {
          const result = await site.service.analyseImageFile(await fs.readFile(path.join(FIXTURE_IMAGES, image.image_id)));
          const close = (actual: number, wanted: number): void =>
            expect({ image: image.image_id, diff: Math.abs(actual - wanted) < 1e-3 }).toEqual({ image: image.image_id, diff: true });
          close(result.fractureProbability, image.fracture_prob);
          image.count_probs.forEach((value, k) => close(result.countProbabilities[(['0', '1', '2+'] as const)[k]!], value));
          image.body_part_probs.forEach((value, k) =>
            close(result.bodyPartProbabilities[(['hand', 'leg', 'hip', 'shoulder'] as const)[k]!], value),
          );
          // a model without a box head (1.0.x) gives findings without boxes
          if (!image.boxes) expect(result.boxes).toBeUndefined();
          const [top, second] = image.boxes ?? [];
          if (top && (!second || top.score - second.score > 1e-3)) {
            const box = result.boxes![0]!;
            for (const key of ['x1', 'y1', 'x2', 'y2', 'score'] as const) close(box[key], top[key]);
          }
        }
      } finally {
        await site.close();
      }
    },
  );
  (shipped ? it : it.skip)('loads the shipped model in models/ with the documented outputs', async () => {
    const repository = new ModelRepository(configFor(SHIPPED_MODELS, path.join(workspace.dir, 'data')));
    try {
      const { inputSize } = await repository.describe();
      const outputs = await repository.run(new Float32Array(2 * inputSize * inputSize).fill(0.4), 2);
      expect([outputs.fracture.length, outputs.countProbabilities.length, outputs.bodyPartProbabilities.length]).toEqual([2, 6, 8]);
      expect(outputs.heatmap.data).toHaveLength(2 * outputs.heatmap.height * outputs.heatmap.width);
    } finally {
      await repository.close();
    }
  });
});
