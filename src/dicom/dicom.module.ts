import { Module } from '@nestjs/common';
import { DicomLifecycle } from './dicom.lifecycle';
import { DicomScpChannel } from './dicom-scp.channel';
import { IngestActivity } from './ingest-activity';
import { IngestService } from './ingest.service';
import { InstanceEvents } from './instance-events';
import { InstanceRepository } from './instance.repository';
import { QueryService } from './query.service';
import { ReindexService } from './reindex.service';

@Module({
  providers: [
    DicomScpChannel,
    IngestActivity,
    IngestService,
    InstanceEvents,
    InstanceRepository,
    QueryService,
    ReindexService,
    DicomLifecycle,
  ],
  exports: [DicomScpChannel, IngestActivity, IngestService, InstanceEvents, InstanceRepository],
})
export class DicomModule {}
