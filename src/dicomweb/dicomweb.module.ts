import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DicomModule } from '../dicom/dicom.module';
import { ImagingModule } from '../imaging/imaging.module';
import { QidoController } from './qido.controller';
import { QidoService } from './qido.service';
import { RenderingService } from './rendering.service';
import { StoredObjectsService } from './stored-objects.service';
import { StowController } from './stow.controller';
import { StowService } from './stow.service';
import { WadoController } from './wado.controller';
import { WadoService } from './wado.service';

/** DICOMweb (PS3.18) under /dicomweb: QIDO-RS, WADO-RS and STOW-RS over Osteon's own store. */
@Module({
  imports: [DicomModule, ImagingModule, AuditModule],
  controllers: [QidoController, StowController, WadoController],
  providers: [QidoService, RenderingService, StoredObjectsService, StowService, WadoService],
})
export class DicomwebModule {}
