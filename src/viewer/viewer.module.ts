import { Module } from '@nestjs/common';
import { ViewerAssetsRepository } from './viewer-assets.repository';
import { ViewerController } from './viewer.controller';
import { ViewerService } from './viewer.service';

/** The OHIF diagnostic viewer (npm @ohif/app, built), served at /viewer/ and reading Osteon's DICOMweb. */
@Module({ controllers: [ViewerController], providers: [ViewerService, ViewerAssetsRepository] })
export class ViewerModule {}
