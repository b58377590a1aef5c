import { Module } from '@nestjs/common';
import { ImagingModule } from '../imaging/imaging.module';
import { InferenceService } from './inference.service';
import { ModelRepository } from './model.repository';

/**
 * Fracture model inference. Nothing loads at boot: the model on first use, the pixel worker
 * on first image; a missing model is a warning, not a failed start.
 */
@Module({
  imports: [ImagingModule],
  providers: [ModelRepository, InferenceService],
  exports: [InferenceService, ModelRepository],
})
export class InferenceModule {}
