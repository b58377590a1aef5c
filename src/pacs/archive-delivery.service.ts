import { Injectable } from '@nestjs/common';
import type { DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent } from '../deliveries/delivery-channel';
import { runDelivery } from '../deliveries/delivery-runner';
import { ReportService } from '../reports/report.service';
import { ResultArchiveService } from './result-archive.service';
import type { ResultVersion } from './result-set.repository';

export const ARCHIVE_CHANNEL = 'archive';

/**
 * Channel `archive`: every content version of a report gets its result objects made and kept in
 * Osteon's own store (served over DICOMweb), whether or not a PACS is configured.
 */
@Injectable()
export class ArchiveDeliveryService implements DeliveryChannel<ResultVersion> {
  readonly channel = ARCHIVE_CHANNEL;

  constructor(
    private readonly reports: ReportService,
    private readonly archive: ResultArchiveService,
  ) {}

  deliver(attempt: DeliveryAttempt): Promise<void> {
    return runDelivery(this.reports, this, attempt);
  }

  build(context: DeliveryContext): Promise<ResultVersion> {
    return this.archive.archive(context.report);
  }

  async send(version: ResultVersion): Promise<Sent> {
    return {
      references: {
        contentVersion: version.contentVersion,
        objects: version.objects.map(({ role, sopInstanceUid, seriesInstanceUid }) => ({ role, sopInstanceUid, seriesInstanceUid })),
      },
    };
  }
}
