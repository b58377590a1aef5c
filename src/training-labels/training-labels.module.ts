import { Module } from '@nestjs/common';
import { TrainingLabelRepository } from './training-label.repository';
import { TrainingLabelService } from './training-label.service';

@Module({ providers: [TrainingLabelRepository, TrainingLabelService], exports: [TrainingLabelService] })
export class TrainingLabelsModule {}
