import { Injectable } from '@nestjs/common';
import type { DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent, Settlement } from '../deliveries/delivery-channel';
import { runDelivery } from '../deliveries/delivery-runner';
import type { Report } from '../reports/report';
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

  /** Results are the AI's: a study no image of which the AI read has none to archive. */
  settle(report: Report): Settlement | undefined {
    if (report.findings) return undefined;
    return { kind: 'nothing-to-send', references: { notArchived: 'no image was analysed by AI' } };
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
