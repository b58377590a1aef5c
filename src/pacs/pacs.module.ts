import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { ImagingModule } from '../imaging/imaging.module';
import { ReportsModule } from '../reports/reports.module';
import { DeliverPacsHandler } from './deliver-pacs.handler';
import { PacsDeliveryService } from './pacs-delivery.service';
import { ResultObjectsFactory } from './result-objects.factory';
import { SourceImageReader } from './source-image.reader';
import { StoreScuClient } from './store-scu.client';

/** Results back into the PACS as DICOM: Secondary Capture images, an SR, rejection notes. */
@Module({
  imports: [ImagingModule, DeliveriesModule, ReportsModule],
  providers: [DeliverPacsHandler, PacsDeliveryService, ResultObjectsFactory, SourceImageReader, StoreScuClient],
})
export class PacsModule {}
