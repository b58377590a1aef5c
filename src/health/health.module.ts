import { Module } from '@nestjs/common';
import { DicomModule } from '../dicom/dicom.module';
import { InferenceModule } from '../inference/inference.module';
import { HealthController } from './health.controller';
import { ProbesController } from './probes.controller';

@Module({ imports: [DicomModule, InferenceModule], controllers: [HealthController, ProbesController] })
export class HealthModule {}
