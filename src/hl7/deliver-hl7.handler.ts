import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import { HL7_CHANNEL, Hl7DeliveryService } from './hl7-delivery.service';

/** deliver-hl7: every state goes to the RIS: the AI draft (P), sign-off (F), amendment (C), withdrawal (X). */
@Injectable()
export class DeliverHl7Handler implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: DeliveryScheduler,
    private readonly delivery: Hl7DeliveryService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      channel: HL7_CHANNEL,
      jobType: 'deliver-hl7',
      statuses: ['preliminary', 'final', 'amended', 'entered-in-error'],
      enabled: this.delivery.enabled,
      sweepMs: this.config.hl7.sweepMs,
      ordered: true,
      deliver: (attempt) => this.delivery.deliver(attempt),
    });
  }
}
