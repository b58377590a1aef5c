import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { ImageMemoryBudget } from './image-memory-budget';
import { ImageService } from './image.service';
import { PixelWorkerPool } from './pixel-worker.pool';

/**
 * DICOM files and pixels, below dicom/ and inference/: data set and Part 10 reading, UIDs, pixel
 * decoding and the worker pool behind ImageService. Storage is the global StorageModule.
 */
@Module({
  providers: [
    ImageService,
    ImageMemoryBudget,
    {
      provide: PixelWorkerPool,
      // Decoding yields to receiving as the model does (OSTEON_READ_NICE).
      useFactory: (config: AppConfig) => new PixelWorkerPool({ workers: 1, nice: config.receivePriority.readNice }),
      inject: [APP_CONFIG],
    },
  ],
  exports: [ImageService, ImageMemoryBudget],
})
export class ImagingModule {}
