import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { ImagingModule } from '../imaging/imaging.module';
import { ReportsModule } from '../reports/reports.module';
import { DeliverPortalHandler } from './deliver-portal.handler';
import { PatientDocumentsService } from './patient-documents.service';
import { PatientPdfService } from './patient-pdf.service';
import { PatientReportsController } from './patient-reports.controller';
import { PdfLanguagesRepository } from './pdf-languages.repository';
import { PdfPrinterRepository } from './pdf-printer.repository';
import { PortalDeliveryService } from './portal-delivery.service';
import { PortalLinkController } from './portal-link.controller';
import { PortalLinkRepository } from './portal-link.repository';
import { PortalLinkService } from './portal-link.service';
import { PortalWebhookClient } from './portal-webhook.client';
import { ReportImagesService } from './report-images.service';
import { ReportPdfController } from './report-pdf.controller';

/** Patient PDFs (released only once signed), patient links and delivery to the patient portal. */
@Module({
  imports: [ImagingModule, DeliveriesModule, ReportsModule, AuditModule],
  controllers: [ReportPdfController, PatientReportsController, PortalLinkController],
  providers: [
    PdfPrinterRepository,
    PdfLanguagesRepository,
    ReportImagesService,
    PatientPdfService,
    PatientDocumentsService,
    PortalLinkRepository,
    PortalLinkService,
    PortalWebhookClient,
    PortalDeliveryService,
    DeliverPortalHandler,
  ],
  exports: [PatientPdfService],
})
export class PortalModule {}
