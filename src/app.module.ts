import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AnalysisModule } from './analysis/analysis.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { DatabaseModule } from './database/database.module';
import { DicomModule } from './dicom/dicom.module';
import { DicomwebModule } from './dicomweb/dicomweb.module';
import { FhirModule } from './fhir/fhir.module';
import { HealthModule } from './health/health.module';
import { Hl7Module } from './hl7/hl7.module';
import { JobsModule } from './jobs/jobs.module';
import { LearningModule } from './learning/learning.module';
import { PacsModule } from './pacs/pacs.module';
import { PortalModule } from './portal/portal.module';
import { RecordsModule } from './records/records.module';
import { ReportsModule } from './reports/reports.module';
import { StorageModule } from './storage/storage.module';
import { StudiesModule } from './studies/studies.module';
import { TrainingLabelsModule } from './training-labels/training-labels.module';
import { ViewerModule } from './viewer/viewer.module';

@Module({
  imports: [
    ScheduleModule.forRoot(),
    ConfigModule,
    DatabaseModule,
    StorageModule,
    DicomModule,
    StudiesModule,
    HealthModule,
    AuditModule,
    AuthModule,
    JobsModule,
    ReportsModule,
    TrainingLabelsModule,
    AnalysisModule,
    RecordsModule,
    AnalyticsModule,
    LearningModule,
    PortalModule,
    FhirModule,
    Hl7Module,
    PacsModule,
    DicomwebModule,
    ViewerModule,
    // Last: the console's catch-all route must come after every API route.
    ConsoleModule,
  ],
  // Every error answer, on every route: problem+json, or OperationOutcome on FHIR routes.
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
export class AppModule {}
