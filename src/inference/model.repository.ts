import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ZodType } from 'zod';
import { moduleLogger } from '../common/logger';
import { startWorker } from '../common/worker-thread';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { InferenceErrorCode, InferenceException } from './inference.exception';
import { currentModelSchema, describeModel, modelCardSchema, OUTPUT_NAMES, type ModelCard, type ModelDescription } from './model-card';
import { readOutputs, type ModelOutputs } from './model-outputs';
import type { ModelWorkerData, ModelWorkerLoad, ModelWorkerMessage, ModelWorkerRun, TensorMessage } from './model.worker';

const logger = moduleLogger('inference');

interface LoadedModel {
  readonly description: ModelDescription;
  readonly worker: ReturnType<typeof startWorker>;
  readonly pending: Map<number, { resolve(outputs: Readonly<Record<string, TensorMessage>>): void; reject(error: Error): void }>;
}

/**
 * The fracture model: models/current.json names the ONNX file and its card. One
 * onnxruntime session is created on first use, in a worker thread of its own (its runs are
 * synchronous native work that would otherwise stall the event loop), and reused; it runs
 * one batch at a time with the configured intra-op threads.
 */
@Injectable()
export class ModelRepository implements OnApplicationBootstrap, OnModuleDestroy {
  private loading: Promise<LoadedModel> | undefined;
  private current: LoadedModel | undefined;
  private nextRunId = 1;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private overrideDir: string | undefined;

  /** The version whose session is loaded now; undefined before the first load (or when none can load). */
  get loadedVersion(): string | undefined {
    return this.current?.description.version;
  }

  get modelsDir(): string {
    return this.overrideDir ?? this.config.inference.modelsDir;
  }

  /**
   * Hot swap to the model in another models folder (the registry's active version). The new
   * session is loaded first, so a model that cannot load never replaces a working one; runs
   * already on the old session finish there before its worker is ended.
   */
  async useModelsDir(dir: string): Promise<ModelDescription> {
    const previousDir = this.overrideDir;
    const previous = this.loading;
    this.overrideDir = path.resolve(dir);
    let next: LoadedModel;
    try {
      next = await this.createSession();
    } catch (error) {
      this.overrideDir = previousDir;
      throw error;
    }
    this.loading = Promise.resolve(next);
    this.current = next;
    void previous?.then((old) => retireWhenIdle(old)).catch(() => undefined);
    logger.info({ modelsDir: this.modelsDir, version: next.description.version }, 'fracture model swapped');
    return next.description;
  }

  /** Boot never fails for want of a model: it says so, and analysis waits for one. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const { card } = await this.readRelease();
      logger.info({ modelsDir: this.modelsDir, version: card.version }, 'fracture model found; it loads on first use');
    } catch (error) {
      logger.warn(
        { modelsDir: this.modelsDir, reason: reasonOf(error) },
        'no usable fracture model; analysis is unavailable until one is installed',
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async describe(): Promise<ModelDescription> {
    return (await this.load()).description;
  }

  async run(batch: Float32Array, count: number): Promise<ModelOutputs> {
    const loaded = await this.load();
    const size = loaded.description.inputSize;
    if (batch.length !== count * size * size) {
      throw new InferenceException(
        InferenceErrorCode.InferenceFailed,
        `input has ${batch.length} values, expected ${count}x${size}x${size}`,
      );
    }
    const id = this.nextRunId++;
    const outputs = await new Promise<Readonly<Record<string, TensorMessage>>>((resolve, reject) => {
      loaded.pending.set(id, { resolve, reject });
      loaded.worker.postMessage({
        kind: 'run',
        id,
        inputName: loaded.description.inputName,
        input: batch,
        dims: [count, 1, size, size],
      } satisfies ModelWorkerRun);
    });
    return readOutputs(outputs, count);
  }

  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.current = undefined;
    const loaded = await loading?.catch(() => undefined);
    await loaded?.worker.terminate();
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
      throw new InferenceException(
        InferenceErrorCode.ModelInvalid,
        `${modelPath} has SHA-256 ${sha256}, its release says ${expectedSha256.join(' / ')}`,
      );
    }
    let description: ModelDescription;
    try {
      description = describeModel(card, sha256, this.config.inference.thresholdOverride);
    } catch (error) {
      throw new InferenceException(InferenceErrorCode.ModelInvalid, `model card: ${reasonOf(error)}`);
    }
    const loaded = await this.startSession(bytes, description, modelPath);
    logger.info(
      {
        version: description.version,
        sha256,
        inputSize: description.inputSize,
        threshold: description.threshold,
        threads: this.config.inference.threads,
        loadMs: Math.round(performance.now() - started),
      },
      'fracture model loaded',
    );
    return loaded;
  }

  private startSession(bytes: Buffer, description: ModelDescription, modelPath: string): Promise<LoadedModel> {
    const worker = startWorker(__dirname, 'model.worker', {
      workerData: { threads: this.config.inference.threads, nice: this.config.receivePriority.readNice } satisfies ModelWorkerData,
    });
    // A copy moved to the worker: nothing here keeps the weights once the session has them.
    const model = new Uint8Array(bytes);
    worker.postMessage({ kind: 'load', model } satisfies ModelWorkerLoad, [model.buffer]);
    const loaded: LoadedModel = { description, worker, pending: new Map() };
    return new Promise<LoadedModel>((resolve, reject) => {
      const failAll = (reason: string): void => {
        // A dead worker takes the session with it: the next call loads the model again.
        if (this.current === loaded) {
          this.current = undefined;
          this.loading = undefined;
        }
        reject(new InferenceException(InferenceErrorCode.ModelInvalid, reason));
        for (const waiting of loaded.pending.values()) waiting.reject(new InferenceException(InferenceErrorCode.InferenceFailed, reason));
        loaded.pending.clear();
      };
      worker.on('message', (message: ModelWorkerMessage) => {
        switch (message.kind) {
          case 'ready': {
            const missing = [description.inputName].filter((name) => !message.inputNames.includes(name));
            missing.push(...Object.values(OUTPUT_NAMES).filter((name) => !message.outputNames.includes(name)));
            if (missing.length === 0) {
              this.current = loaded;
              resolve(loaded);
              return;
            }
            void worker.terminate();
            reject(new InferenceException(InferenceErrorCode.ModelInvalid, `${modelPath} lacks ${missing.join(', ')}`));
            return;
          }
          case 'load-failed':
            void worker.terminate();
            reject(new InferenceException(InferenceErrorCode.ModelInvalid, `onnxruntime cannot load ${modelPath}: ${message.message}`));
            return;
          case 'result':
          case 'run-failed': {
            const waiting = loaded.pending.get(message.id);
            loaded.pending.delete(message.id);
            if (message.kind === 'result') waiting?.resolve(message.outputs);
            else waiting?.reject(new InferenceException(InferenceErrorCode.InferenceFailed, `onnxruntime: ${message.message}`));
            return;
          }
        }
      });
      worker.on('error', (error) => {
        logger.error({ err: error }, 'model worker failed');
        failAll(`model worker failed: ${error.message}`);
      });
      worker.on('exit', (code) => failAll(`model worker exited with code ${code}`));
    });
  }

  private async readRelease(): Promise<{ card: ModelCard; modelPath: string; expectedSha256: string[] }> {
    const current = await this.readJson(
      path.join(this.modelsDir, 'current.json'),
      currentModelSchema,
      InferenceErrorCode.ModelNotAvailable,
    );
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
      throw new InferenceException(
        InferenceErrorCode.ModelInvalid,
        `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
      );
    }
    return parsed.data;
  }
}

/** Ends an old session's worker once no run is waiting on it (checked after a grace period). */
function retireWhenIdle(old: LoadedModel): void {
  const check = (): void => {
    if (old.pending.size === 0) void old.worker.terminate();
    else setTimeout(check, 250).unref();
  };
  setTimeout(check, 1000).unref();
}

function reasonOf(error: unknown): string {
  if (error instanceof InferenceException) return error.reason;
  return error instanceof Error ? error.message : String(error);
}
