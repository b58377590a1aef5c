import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import { PACS_CHANNEL, PacsDeliveryService } from './pacs-delivery.service';

/** deliver-pacs: every state is sent: the AI draft as soon as it exists, then each review and a withdrawal. */
@Injectable()
export class DeliverPacsHandler implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: DeliveryScheduler,
    private readonly delivery: PacsDeliveryService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      channel: PACS_CHANNEL,
      jobType: 'deliver-pacs',
      statuses: ['preliminary', 'final', 'amended', 'entered-in-error'],
      enabled: this.delivery.enabled,
      sweepMs: this.config.pacs?.sweepMs ?? 30_000,
      deliver: (attempt) => this.delivery.deliver(attempt),
    });
  }
}
