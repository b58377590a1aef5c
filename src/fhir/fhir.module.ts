import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DicomModule } from '../dicom/dicom.module';
import { ReportsModule } from '../reports/reports.module';
import { DeliverFhirHandler } from './deliver-fhir.handler';
import { FhirDeliveryService } from './fhir-delivery.service';
import { FhirFacadeController } from './fhir-facade.controller';
import { FhirNotifyController } from './fhir-notify.controller';
import { FhirServerClient } from './fhir-server.client';
import { FhirSyncStateRepository } from './fhir-sync-state.repository';
import { FhirVerdictService } from './fhir-verdict.service';

@Module({
  imports: [AuditModule, DicomModule, ReportsModule],
  controllers: [FhirFacadeController, FhirNotifyController],
  providers: [FhirServerClient, FhirDeliveryService, FhirVerdictService, FhirSyncStateRepository, DeliverFhirHandler],
})
export class FhirModule {}
