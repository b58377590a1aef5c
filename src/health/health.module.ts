import { Module } from '@nestjs/common';
import { DicomModule } from '../dicom/dicom.module';
import { HealthController } from './health.controller';

@Module({ imports: [DicomModule], controllers: [HealthController] })
export class HealthModule {}
