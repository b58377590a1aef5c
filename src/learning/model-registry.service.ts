import path from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { ModelRepository } from '../inference/model.repository';
import { LearningErrorCode, LearningException } from './learning.exception';
import { LearningFilesRepository } from './learning-files.repository';
import { ModelRegistryRepository } from './model-registry.repository';
import type { GateResult, ModelStatus, ModelVersion } from './model-version';

/**
 * Which model version is active, shadow, candidate, retired or rejected, and who decided.
 * Activation swaps the model in the running engine (no restart; in-flight analyses finish
 * on the old session), and other replicas follow within OSTEON_MODEL_SYNC_SECONDS.
 */
@Injectable()
export class ModelRegistryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('model-registry');
  private syncTimer: NodeJS.Timeout | undefined;
  private loadedVersion: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryRepository,
    private readonly files: LearningFilesRepository,
    private readonly models: ModelRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.registerShipped();
    await this.syncActive();
    if (this.config.learning.syncSeconds > 0) {
      this.syncTimer = setInterval(() => void this.syncActive(), this.config.learning.syncSeconds * 1000);
    }
  }

  onApplicationShutdown(): void {
    if (this.syncTimer) clearInterval(this.syncTimer);
  }

  list(): Promise<ModelVersion[]> {
    return this.registry.list();
  }

  async active(): Promise<ModelVersion | undefined> {
    return (await this.registry.findByStatus('active'))[0];
  }

  async shadow(): Promise<ModelVersion | undefined> {
    return (await this.registry.findByStatus('shadow'))[0];
  }

  async registerCandidate(version: string, dir: string, trainedOnLabels: number): Promise<ModelVersion> {
    return this.registry.insertIfAbsent({
      version,
      dir,
      status: 'candidate',
      source: 'retrained',
      createdAt: new Date(),
      trainedOnLabels,
      gate: undefined,
      history: [{ status: 'candidate', at: new Date(), by: 'retraining', reason: 'trained on doctors’ labels' }],
    });
  }

  async recordGate(version: string, gate: GateResult): Promise<ModelVersion> {
    const model = await this.require(version);
    const status: ModelStatus = gate.passed ? 'candidate' : 'rejected';
    const updated = await this.registry.setStatus(
      model.id,
      ['candidate'],
      status,
      'evaluation-gate',
      gate.passed ? 'passed the gate' : gate.reasons.join('; '),
      gate,
    );
    if (!updated) throw new LearningException(LearningErrorCode.ModelChangedMeanwhile, `model ${version} is no longer a candidate`);
    return updated;
  }

  /** Makes a version active (a candidate that passed, a shadow, or a retired one: rollback). */
  async promote(version: string, by: string, reason: string): Promise<ModelVersion> {
    const model = await this.require(version);
    if (model.status === 'active') return model;
    if (model.status === 'rejected')
      throw new LearningException(
        LearningErrorCode.ModelStatusConflict,
        `model ${version} was rejected by the gate and cannot be promoted`,
      );
    if (model.status === 'candidate' && model.source === 'retrained' && !model.gate?.passed) {
      throw new LearningException(LearningErrorCode.ModelStatusConflict, `model ${version} has not passed the evaluation gate`);
    }
    // Load it first: a model that cannot load never becomes active.
    await this.models.useModelsDir(model.dir);
    this.loadedVersion = model.version;
    for (const previous of await this.registry.findByStatus('active')) {
      await this.registry.setStatus(previous.id, ['active'], 'retired', by, `replaced by ${version}`);
    }
    const promoted = await this.registry.setStatus(model.id, ['candidate', 'shadow', 'retired'], 'active', by, reason);
    if (!promoted) throw new LearningException(LearningErrorCode.ModelChangedMeanwhile, `model ${version} changed status meanwhile`);
    this.logger.info({ version, by }, 'model promoted to active');
    return promoted;
  }

  /** Runs a candidate beside the active model on live studies; only one shadow at a time. */
  async startShadow(version: string, by: string): Promise<ModelVersion> {
    const model = await this.require(version);
    if (model.status !== 'candidate' && model.status !== 'retired')
      throw new LearningException(LearningErrorCode.ModelStatusConflict, `model ${version} is ${model.status}, not a candidate`);
    for (const previous of await this.registry.findByStatus('shadow')) {
      await this.registry.setStatus(previous.id, ['shadow'], 'candidate', by, `shadow replaced by ${version}`);
    }
    const updated = await this.registry.setStatus(model.id, ['candidate', 'retired'], 'shadow', by, 'shadow mode');
    if (!updated) throw new LearningException(LearningErrorCode.ModelChangedMeanwhile, `model ${version} changed status meanwhile`);
    return updated;
  }

  async stopShadow(version: string, by: string): Promise<ModelVersion> {
    const model = await this.require(version);
    const updated = await this.registry.setStatus(model.id, ['shadow'], 'candidate', by, 'shadow mode ended');
    if (!updated) throw new LearningException(LearningErrorCode.ModelStatusConflict, `model ${version} is not in shadow mode`);
    return updated;
  }

  /** Follows the registry's active version (another replica may have promoted one). */
  async syncActive(): Promise<void> {
    try {
      const active = await this.active();
      if (!active || active.version === this.loadedVersion) return;
      await this.models.useModelsDir(active.dir);
      this.loadedVersion = active.version;
      this.logger.info({ version: active.version }, 'active model loaded from the registry');
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'could not follow the active model');
    }
  }

  private async registerShipped(): Promise<void> {
    if ((await this.registry.list()).length > 0) return;
    const dir = this.config.inference.modelsDir;
    const current = (await this.files.readJson(path.join(dir, 'current.json')).catch(() => undefined)) as { version?: string } | undefined;
    if (!current?.version) {
      this.logger.warn({ dir }, 'no shipped model to register');
      return;
    }
    await this.registry.insertIfAbsent({
      version: current.version,
      dir,
      status: 'active',
      source: 'shipped',
      createdAt: new Date(),
      trainedOnLabels: 0,
      gate: undefined,
      history: [{ status: 'active', at: new Date(), by: 'installation', reason: 'shipped model' }],
    });
  }

  private async require(version: string): Promise<ModelVersion> {
    const model = await this.registry.findByVersion(version);
    if (!model) throw new LearningException(LearningErrorCode.ModelNotFound, `model ${version} is not in the registry`);
    return model;
  }
}
