import { Module } from '@nestjs/common';
import { DicomModule } from '../dicom/dicom.module';
import { ImagingModule } from '../imaging/imaging.module';
import { InferenceModule } from '../inference/inference.module';
import { MetricsModule } from '../metrics/metrics.module';
import { OrdersModule } from '../orders/orders.module';
import { ReportsModule } from '../reports/reports.module';
import { AnalyseStudyHandler } from './analyse-study.handler';
import { AnalysisMetrics } from './analysis-metrics';
import { IMAGE_ANALYSER } from './image-analyser';
import { InferenceImageAnalyser } from './inference-image.analyser';
import { ReceivePriority } from './receive-priority';
import { StudyAssemblyService } from './study-assembly.service';

@Module({
  imports: [DicomModule, ImagingModule, InferenceModule, MetricsModule, OrdersModule, ReportsModule],
  providers: [
    AnalysisMetrics,
    AnalyseStudyHandler,
    ReceivePriority,
    StudyAssemblyService,
    { provide: IMAGE_ANALYSER, useClass: InferenceImageAnalyser },
  ],
  exports: [StudyAssemblyService],
})
export class AnalysisModule {}
