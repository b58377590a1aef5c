import { Module } from '@nestjs/common';
import { InferenceService } from './inference.service';
import { ModelRepository } from './model.repository';
import { PixelWorkerPool } from './pixel-worker.pool';

/**
 * Fracture model inference. Nothing loads at boot: the model on first use, the pixel worker
 * on first image; a missing model is a warning, not a failed start.
 */
@Module({
  providers: [ModelRepository, InferenceService, { provide: PixelWorkerPool, useFactory: () => new PixelWorkerPool({ workers: 1 }) }],
  exports: [InferenceService, ModelRepository, PixelWorkerPool],
})
export class InferenceModule {}
