import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ZodType } from 'zod';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { InferenceErrorCode, InferenceException } from './inference.exception';
import { currentModelSchema, describeModel, modelCardSchema, OUTPUT_NAMES, type ModelCard, type ModelDescription } from './model-card';

const logger = moduleLogger('inference');

/** Raw model outputs for a batch of N images, row-major. */
export interface ModelOutputs {
  readonly count: number;
  readonly fracture: Float32Array;
  readonly countProbabilities: Float32Array;
  readonly bodyPartProbabilities: Float32Array;
  readonly heatmap: { readonly data: Float32Array; readonly height: number; readonly width: number };
}

interface LoadedModel {
  readonly description: ModelDescription;
  readonly session: InferenceSession;
}

/**
 * The fracture model: models/current.json names the ONNX file and its card. One
 * onnxruntime session is created on first use and reused; runs are queued one at a time
 * because each already uses the configured intra-op threads.
 */
@Injectable()
export class ModelRepository implements OnApplicationBootstrap, OnModuleDestroy {
  private loading: Promise<LoadedModel> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get modelsDir(): string {
    return this.config.inference.modelsDir;
  }

  /** Boot never fails for want of a model: it says so, and analysis waits for one. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const { card } = await this.readRelease();
      logger.info({ modelsDir: this.modelsDir, version: card.version }, 'fracture model found; it loads on first use');
    } catch (error) {
      logger.warn({ modelsDir: this.modelsDir, reason: reasonOf(error) }, 'no usable fracture model; analysis is unavailable until one is installed');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async describe(): Promise<ModelDescription> {
    return (await this.load()).description;
  }

  async run(batch: Float32Array, count: number): Promise<ModelOutputs> {
    const { session, description } = await this.load();
    const size = description.inputSize;
    if (batch.length !== count * size * size) {
      throw new InferenceException(InferenceErrorCode.InferenceFailed, `input has ${batch.length} values, expected ${count}x${size}x${size}`);
    }
    const input = new Tensor('float32', batch, [count, 1, size, size]);
    const result = this.queue.then(() => session.run({ [description.inputName]: input }));
    this.queue = result.catch(() => undefined);
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await result;
    } catch (error) {
      throw new InferenceException(InferenceErrorCode.InferenceFailed, `onnxruntime: ${reasonOf(error)}`);
    }
    return readOutputs(outputs, count);
  }

  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    const loaded = await loading?.catch(() => undefined);
    await loaded?.session.release();
  }

  private load(): Promise<LoadedModel> {
    // A failed load is forgotten, so a model installed later is picked up on the next call.
    this.loading ??= this.createSession().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  private async createSession(): Promise<LoadedModel> {
    const started = performance.now();
    const { card, modelPath, expectedSha256 } = await this.readRelease();
    const bytes = await fs.readFile(modelPath).catch((error: unknown) => {
      throw new InferenceException(InferenceErrorCode.ModelNotAvailable, `model file ${modelPath} cannot be read: ${reasonOf(error)}`);
    });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (expectedSha256.some((expected) => expected !== sha256)) {
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `${modelPath} has SHA-256 ${sha256}, its release says ${expectedSha256.join(' / ')}`);
    }
    let description: ModelDescription;
    try {
      description = describeModel(card, sha256, this.config.inference.thresholdOverride);
    } catch (error) {
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `model card: ${reasonOf(error)}`);
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, {
        intraOpNumThreads: this.config.inference.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `onnxruntime cannot load ${modelPath}: ${reasonOf(error)}`);
    }
    const missing = [description.inputName].filter((name) => !session.inputNames.includes(name));
    missing.push(...Object.values(OUTPUT_NAMES).filter((name) => !session.outputNames.includes(name)));
    if (missing.length > 0) {
      await session.release();
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `${modelPath} lacks ${missing.join(', ')}`);
    }
    logger.info(
      { version: description.version, sha256, inputSize: description.inputSize, threshold: description.threshold, threads: this.config.inference.threads, loadMs: Math.round(performance.now() - started) },
      'fracture model loaded',
    );
    return { description, session };
  }

  private async readRelease(): Promise<{ card: ModelCard; modelPath: string; expectedSha256: string[] }> {
    const current = await this.readJson(path.join(this.modelsDir, 'current.json'), currentModelSchema, InferenceErrorCode.ModelNotAvailable);
    const card = await this.readJson(this.inside(current.card), modelCardSchema, InferenceErrorCode.ModelInvalid);
    const expectedSha256 = [current.sha256, card.files?.onnx_sha256].filter((value): value is string => value !== undefined);
    return { card, modelPath: this.inside(current.model), expectedSha256 };
  }

  private inside(name: string): string {
    const resolved = path.resolve(this.modelsDir, name);
    if (path.dirname(resolved) !== path.resolve(this.modelsDir)) {
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `current.json names ${name}, outside ${this.modelsDir}`);
    }
    return resolved;
  }

  private async readJson<T>(file: string, schema: ZodType<T>, missingCode: InferenceErrorCode): Promise<T> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new InferenceException(missingCode, `${file} cannot be read: ${reasonOf(error)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `${file} is not JSON: ${reasonOf(error)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
    }
    return parsed.data;
  }
}

function readOutputs(outputs: InferenceSession.OnnxValueMapType, count: number): ModelOutputs {
  const tensor = (name: string, perImage?: number): { data: Float32Array; dims: readonly number[] } => {
    const value = outputs[name];
    if (!value || value.type !== 'float32' || value.dims[0] !== count) {
      throw new InferenceException(InferenceErrorCode.InferenceFailed, `output ${name} is missing or not float32 [${count}, ...]`);
    }
    if (perImage !== undefined && value.data.length !== count * perImage) {
      throw new InferenceException(InferenceErrorCode.InferenceFailed, `output ${name} has shape [${value.dims.join(',')}], expected ${perImage} values per image`);
    }
    return { data: value.data as Float32Array, dims: value.dims };
  };
  const heat = tensor(OUTPUT_NAMES.heatmap);
  const height = heat.dims[heat.dims.length - 2] ?? 0;
  const width = heat.dims[heat.dims.length - 1] ?? 0;
  if (heat.dims.length < 3 || height * width * count !== heat.data.length) {
    throw new InferenceException(InferenceErrorCode.InferenceFailed, `output heatmap has shape [${heat.dims.join(',')}], expected [N, h, w]`);
  }
  return {
    count,
    fracture: tensor(OUTPUT_NAMES.fracture, 1).data,
    countProbabilities: tensor(OUTPUT_NAMES.count, 3).data,
    bodyPartProbabilities: tensor(OUTPUT_NAMES.bodyPart, 4).data,
    heatmap: { data: heat.data, height, width },
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof InferenceException) return error.reason;
  return error instanceof Error ? error.message : String(error);
}
