import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DicomModule } from '../dicom/dicom.module';
import { InstancesController } from './instances.controller';
import { StudiesController } from './studies.controller';
import { StudiesService } from './studies.service';

@Module({ imports: [DicomModule, AuditModule], controllers: [StudiesController, InstancesController], providers: [StudiesService] })
export class StudiesModule {}
