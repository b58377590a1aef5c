import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DicomModule } from '../dicom/dicom.module';
import { ImagingModule } from '../imaging/imaging.module';
import { ConsoleAssetsRepository } from './console-assets.repository';
import { ConsoleAssetsService } from './console-assets.service';
import { ConsoleStaticController } from './console-static.controller';
import { InstancePreviewController } from './instance-preview.controller';
import { InstancePreviewService } from './instance-preview.service';

/** The web console (static files at `/`) and the image preview it shows. Import it last: its catch-all route must come after every API route. */
@Module({
  imports: [DicomModule, ImagingModule, AuditModule],
  controllers: [InstancePreviewController, ConsoleStaticController],
  providers: [InstancePreviewService, ConsoleAssetsService, ConsoleAssetsRepository],
})
export class ConsoleModule {}
