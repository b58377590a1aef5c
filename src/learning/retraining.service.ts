import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { TrainingLabelService } from '../training-labels/training-label.service';
import { DatasetExportService } from './dataset-export.service';
import { decideGate } from './evaluation-gate';
import { LearningErrorCode, LearningException } from './learning.exception';
import { LearningFilesRepository, shellQuote } from './learning-files.repository';
import { ModelRegistryService } from './model-registry.service';
import type { GateMetrics, ModelVersion } from './model-version';

function gateMetrics(report: unknown): GateMetrics {
  const value = report as {
    auroc?: number | null;
    sensitivity?: number | null;
    specificity?: number | null;
    brier?: number | null;
    n?: number;
  };
  return {
    auroc: value.auroc ?? null,
    sensitivity: value.sensitivity ?? null,
    specificity: value.specificity ?? null,
    brier: value.brier ?? null,
    n: value.n ?? 0,
  };
}

/**
 * One retraining run: export the doctors' labels (newest held out), run the site's trainer
 * as a child process, package the candidate, and judge it against the active model with the
 * engine's own evaluation path on the frozen set and on the held-out labels.
 */
@Injectable()
export class RetrainingService {
  private readonly logger = moduleLogger('retraining');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly labels: TrainingLabelService,
    private readonly exporter: DatasetExportService,
    private readonly files: LearningFilesRepository,
    private readonly registry: ModelRegistryService,
  ) {}

  /** Labels written since the newest retrained model: what a new run would learn from. */
  async newLabelCount(): Promise<number> {
    const retrained = (await this.registry.list()).filter((model) => model.source === 'retrained');
    return this.labels.count(retrained[0]?.createdAt);
  }

  async retrain(): Promise<ModelVersion> {
    const active = await this.registry.active();
    if (!active) throw new LearningException(LearningErrorCode.RetrainingFailed, 'no active model to compare a candidate with');
    const version = `retrained-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '-')}`;
    const run = await this.files.workspace(version);
    const exported = await this.exporter.export(path.join(run, 'export'), { holdoutFraction: this.config.learning.holdoutFraction });
    if (exported.images === 0) throw new LearningException(LearningErrorCode.RetrainingFailed, 'no doctor labels to train on');
    const dataArgs = [exported.dir, ...(this.config.learning.baseDatasetDir ? [this.config.learning.baseDatasetDir] : [])]
      .map((dir) => `--data ${shellQuote(dir)}`)
      .join(' ');
    const trainDir = path.join(run, 'train');
    // {active}: the active model's models folder, whose training checkpoint the default command fine-tunes.
    const command = this.config.learning.trainerCommand
      .replaceAll('{data}', dataArgs)
      .replaceAll('{run}', shellQuote(trainDir))
      .replaceAll('{version}', shellQuote(version))
      .replaceAll('{active}', shellQuote(active.dir));
    this.logger.info({ version, images: exported.images, holdout: exported.holdoutImages }, 'retraining started');
    const trained = await this.files.runShell(command, this.config.learning.trainerTimeoutMs);
    if (trained.code !== 0)
      throw new LearningException(
        LearningErrorCode.RetrainingFailed,
        `trainer exited with ${trained.code}: ${trained.outputTail.slice(-800)}`,
      );
    const modelDir = this.files.modelDir(version);
    const packaged = await this.files.runShell(
      ['/usr/bin/python3', 'training/package_model.py', '--run', trainDir, '--version', version, '--models', modelDir]
        .map(shellQuote)
        .join(' '),
      10 * 60_000,
    );
    if (packaged.code !== 0)
      throw new LearningException(LearningErrorCode.RetrainingFailed, `packaging failed: ${packaged.outputTail.slice(-800)}`);
    await this.registry.registerCandidate(version, modelDir, exported.images);
    const gate = await this.judge(modelDir, active.dir, run, exported.holdoutDir);
    const judged = await this.registry.recordGate(version, gate);
    this.logger.info({ version, passed: gate.passed, reasons: gate.reasons }, 'candidate judged');
    return judged;
  }

  private async judge(candidateDir: string, activeDir: string, run: string, holdoutDir: string | undefined) {
    const frozenDir = this.config.learning.evaluationDir;
    if (!frozenDir)
      throw new LearningException(LearningErrorCode.RetrainingFailed, 'OSTEON_EVAL_DIR (the frozen evaluation set) is not configured');
    const timeout = 30 * 60_000;
    const evaluate = async (modelsDir: string, dataDir: string, name: string): Promise<GateMetrics> =>
      gateMetrics(
        await this.files.evaluate(
          modelsDir,
          path.join(dataDir, 'images'),
          path.join(dataDir, 'labels.csv'),
          path.join(run, `${name}.json`),
          timeout,
        ),
      );
    const frozen = {
      candidate: await evaluate(candidateDir, frozenDir, 'frozen-candidate'),
      active: await evaluate(activeDir, frozenDir, 'frozen-active'),
    };
    const newLabels = holdoutDir
      ? {
          candidate: await evaluate(candidateDir, holdoutDir, 'holdout-candidate'),
          active: await evaluate(activeDir, holdoutDir, 'holdout-active'),
        }
      : undefined;
    return decideGate(
      { aurocMargin: this.config.learning.aurocMargin, sensitivityFloor: this.config.learning.sensitivityFloor },
      frozen,
      newLabels,
    );
  }
}
