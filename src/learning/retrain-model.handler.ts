import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobQueueService } from '../jobs/job-queue.service';
import { RetrainingService } from './retraining.service';

export const RETRAIN_KEY = 'retrain-model';

/** retrain-model jobs: scheduled when enough new labels exist, or on an operator's request. */
@Injectable()
export class RetrainModelHandler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('retraining');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly queue: JobQueueService,
    private readonly retraining: RetrainingService,
  ) {}

  onModuleInit(): void {
    // A failed run (bad trainer command, no labels, no frozen set) is a permanent LearningException: dead-lettered at once.
    this.registry.register('retrain-model', async () => {
      await this.retraining.retrain();
    });
  }

  onApplicationBootstrap(): void {
    const minutes = this.config.learning.checkEveryMinutes;
    if (minutes > 0) this.timer = setInterval(() => void this.checkForEnoughLabels(), minutes * 60_000);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async requestNow(): Promise<string> {
    const job = await this.queue.schedule('retrain-model', RETRAIN_KEY, {}, 0);
    return job.id;
  }

  private async checkForEnoughLabels(): Promise<void> {
    try {
      const count = await this.retraining.newLabelCount();
      if (count < this.config.learning.minNewLabels || (await this.queue.hasOpenJob(RETRAIN_KEY))) return;
      this.logger.info({ newLabels: count }, 'enough new labels: retraining scheduled');
      await this.queue.schedule('retrain-model', RETRAIN_KEY, {}, 0);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'retraining check failed');
    }
  }
}
