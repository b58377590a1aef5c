import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ReportsModule } from '../reports/reports.module';
import { ReviewLabelsService } from './review-labels.service';
import { TrainingLabelRepository } from './training-label.repository';
import { TrainingLabelService } from './training-label.service';
import { TrainingLabelsController } from './training-labels.controller';

@Module({
  imports: [ReportsModule, AuditModule],
  controllers: [TrainingLabelsController],
  providers: [TrainingLabelRepository, TrainingLabelService, ReviewLabelsService],
  exports: [TrainingLabelService],
})
export class TrainingLabelsModule {}
