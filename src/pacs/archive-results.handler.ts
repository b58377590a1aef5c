import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import { ARCHIVE_CHANNEL, ArchiveDeliveryService } from './archive-delivery.service';

/** archive-results: always on; every state of a report (draft, each review, withdrawal) is archived. */
@Injectable()
export class ArchiveResultsHandler implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: DeliveryScheduler,
    private readonly delivery: ArchiveDeliveryService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      channel: ARCHIVE_CHANNEL,
      jobType: 'archive-results',
      statuses: ['preliminary', 'final', 'amended', 'entered-in-error'],
      enabled: true,
      sweepMs: this.config.pacs?.sweepMs ?? 30_000,
      deliver: (attempt) => this.delivery.deliver(attempt),
    });
  }
}
