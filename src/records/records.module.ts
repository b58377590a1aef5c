import path from 'node:path';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AuditModule } from '../audit/audit.module';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DicomModule } from '../dicom/dicom.module';
import { RecordsController } from './records.controller';
import { RecordsService } from './records.service';
import { UploadFilesRepository } from './upload-files.repository';
import { UploadedImageReader } from './uploaded-image.reader';

/** Uploads stream to files under `<data>/uploads/<replica>` (multer disk storage), never into memory whole. */
@Module({
  imports: [
    AuditModule,
    DicomModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ dest: path.join(config.dataDir, 'uploads', config.stagingName) }),
    }),
  ],
  controllers: [RecordsController],
  providers: [RecordsService, UploadedImageReader, UploadFilesRepository],
})
export class RecordsModule {}
