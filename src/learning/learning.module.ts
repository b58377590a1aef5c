import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DicomModule } from '../dicom/dicom.module';
import { ImagingModule } from '../imaging/imaging.module';
import { InferenceModule } from '../inference/inference.module';
import { ReportsModule } from '../reports/reports.module';
import { TrainingLabelsModule } from '../training-labels/training-labels.module';
import { DatasetExportService } from './dataset-export.service';
import { LearningFilesRepository } from './learning-files.repository';
import { ModelRegistryRepository } from './model-registry.repository';
import { ModelRegistryService } from './model-registry.service';
import { ModelsController } from './models.controller';
import { RetrainModelHandler } from './retrain-model.handler';
import { RetrainingService } from './retraining.service';
import { ModelAgreementService } from './model-agreement.service';
import { ShadowAnalysisHandler } from './shadow-analysis.handler';
import { ShadowAnalysisService } from './shadow-analysis.service';
import { ShadowResultRepository } from './shadow-result.repository';

@Module({
  imports: [ImagingModule, AuditModule, DicomModule, InferenceModule, ReportsModule, TrainingLabelsModule],
  controllers: [ModelsController],
  providers: [
    LearningFilesRepository,
    DatasetExportService,
    ModelRegistryRepository,
    ModelRegistryService,
    RetrainingService,
    RetrainModelHandler,
    ShadowAnalysisService,
    ShadowAnalysisHandler,
    ShadowResultRepository,
    ModelAgreementService,
  ],
  exports: [ModelRegistryService],
})
export class LearningModule {}
