import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import { PORTAL_CHANNEL, PortalDeliveryService } from './portal-delivery.service';
import { DELIVERABLE_STATUSES } from './release.policy';

/** deliver-portal: only signed reports (and withdrawals of signed ones) reach the patient. */
@Injectable()
export class DeliverPortalHandler implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: DeliveryScheduler,
    private readonly delivery: PortalDeliveryService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      channel: PORTAL_CHANNEL,
      jobType: 'deliver-portal',
      statuses: DELIVERABLE_STATUSES,
      enabled: this.delivery.enabled,
      sweepMs: this.config.portal.sweepMs,
      deliver: (attempt) => this.delivery.deliver(attempt),
    });
  }
}
