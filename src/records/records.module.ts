import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DicomModule } from '../dicom/dicom.module';
import { RecordsController } from './records.controller';
import { RecordsService } from './records.service';
import { UploadedImageReader } from './uploaded-image.reader';

@Module({ imports: [AuditModule, DicomModule], controllers: [RecordsController], providers: [RecordsService, UploadedImageReader] })
export class RecordsModule {}
