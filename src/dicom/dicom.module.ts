import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { DicomMetrics } from './dicom-metrics';
import { DicomLifecycle } from './dicom.lifecycle';
import { DicomScpChannel } from './dicom-scp.channel';
import { IngestActivity } from './ingest-activity';
import { IngestMetrics } from './ingest-metrics';
import { IngestService } from './ingest.service';
import { InstanceEvents } from './instance-events';
import { InstanceRepository } from './instance.repository';
import { QueryService } from './query.service';
import { ReindexService } from './reindex.service';

@Module({
  imports: [MetricsModule],
  providers: [
    DicomMetrics,
    DicomScpChannel,
    IngestActivity,
    IngestMetrics,
    IngestService,
    InstanceEvents,
    InstanceRepository,
    QueryService,
    ReindexService,
    DicomLifecycle,
  ],
  exports: [DicomScpChannel, IngestActivity, IngestService, InstanceEvents, InstanceRepository, QueryService],
})
export class DicomModule {}
