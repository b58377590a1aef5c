import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DicomModule } from '../dicom/dicom.module';
import { PortalModule } from '../portal/portal.module';
import { ReportsModule } from '../reports/reports.module';
import { DeliverFhirHandler } from './deliver-fhir.handler';
import { FhirDeliveryService } from './fhir-delivery.service';
import { FhirDocumentService } from './fhir-document.service';
import { FhirFacadeController } from './fhir-facade.controller';
import { FhirFacadeService } from './fhir-facade.service';
import { FhirNotifyController } from './fhir-notify.controller';
import { FhirServerClient } from './fhir-server.client';
import { FhirSyncStateRepository } from './fhir-sync-state.repository';
import { FhirVerdictService } from './fhir-verdict.service';

@Module({
  imports: [DeliveriesModule, AuditModule, AuthModule, DicomModule, ReportsModule, PortalModule],
  controllers: [FhirFacadeController, FhirNotifyController],
  providers: [
    FhirServerClient,
    FhirDeliveryService,
    FhirVerdictService,
    FhirSyncStateRepository,
    DeliverFhirHandler,
    FhirDocumentService,
    FhirFacadeService,
  ],
})
export class FhirModule {}
