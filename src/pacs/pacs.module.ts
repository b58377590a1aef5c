import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { DicomModule } from '../dicom/dicom.module';
import { ImagingModule } from '../imaging/imaging.module';
import { ReportsModule } from '../reports/reports.module';
import { ArchiveDeliveryService } from './archive-delivery.service';
import { ArchiveResultsHandler } from './archive-results.handler';
import { DeliverPacsHandler } from './deliver-pacs.handler';
import { PacsDeliveryService } from './pacs-delivery.service';
import { ResultArchiveService } from './result-archive.service';
import { ResultObjectsFactory } from './result-objects.factory';
import { ResultSetRepository } from './result-set.repository';
import { SourceImageReader } from './source-image.reader';
import { StoreScuClient } from './store-scu.client';

/**
 * Osteon's results as DICOM (Secondary Capture images, a TID 1500 SR, rejection notes): kept in
 * Osteon's own store for DICOMweb (channel `archive`), and sent to the PACS (channel `pacs`).
 */
@Module({
  imports: [ImagingModule, DeliveriesModule, DicomModule, ReportsModule],
  providers: [
    ArchiveDeliveryService,
    ArchiveResultsHandler,
    DeliverPacsHandler,
    PacsDeliveryService,
    ResultArchiveService,
    ResultObjectsFactory,
    ResultSetRepository,
    SourceImageReader,
    StoreScuClient,
  ],
})
export class PacsModule {}
