import { Module } from '@nestjs/common';
import { DicomModule } from '../dicom/dicom.module';
import { StudiesController } from './studies.controller';
import { StudiesService } from './studies.service';

@Module({ imports: [DicomModule], controllers: [StudiesController], providers: [StudiesService] })
export class StudiesModule {}
