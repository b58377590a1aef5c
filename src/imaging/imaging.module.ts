import { Module } from '@nestjs/common';
import { ImageMemoryBudget } from './image-memory-budget';
import { ImageService } from './image.service';
import { PixelWorkerPool } from './pixel-worker.pool';

/**
 * DICOM files and pixels, below dicom/ and inference/: data set and Part 10 reading, UIDs, pixel
 * decoding and the worker pool behind ImageService. Storage is the global StorageModule.
 */
@Module({
  providers: [ImageService, ImageMemoryBudget, { provide: PixelWorkerPool, useFactory: () => new PixelWorkerPool({ workers: 1 }) }],
  exports: [ImageService, ImageMemoryBudget],
})
export class ImagingModule {}
