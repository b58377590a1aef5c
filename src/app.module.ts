import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DicomModule } from './dicom/dicom.module';
import { HealthModule } from './health/health.module';
import { StorageModule } from './storage/storage.module';
import { StudiesModule } from './studies/studies.module';

@Module({
  imports: [ScheduleModule.forRoot(), ConfigModule, DatabaseModule, StorageModule, DicomModule, StudiesModule, HealthModule],
})
export class AppModule {}
