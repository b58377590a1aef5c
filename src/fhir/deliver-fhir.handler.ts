import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import { FHIR_CHANNEL, FhirDeliveryService } from './fhir-delivery.service';
import { FhirVerdictService } from './fhir-verdict.service';

/**
 * deliver-fhir: every state goes to the server (the AI draft, each review, a withdrawal); the
 * verdict poll runs on its own interval. With no OSTEON_FHIR_URL nothing is scheduled or polled.
 */
@Injectable()
export class DeliverFhirHandler implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('fhir');
  private polling = false;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: DeliveryScheduler,
    private readonly delivery: FhirDeliveryService,
    private readonly verdicts: FhirVerdictService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      channel: FHIR_CHANNEL,
      jobType: 'deliver-fhir',
      statuses: ['preliminary', 'final', 'amended', 'entered-in-error'],
      enabled: this.delivery.enabled,
      sweepMs: this.config.fhir?.sweepMs ?? 30_000,
      deliver: (attempt) => this.delivery.deliver(attempt),
    });
  }

  onApplicationBootstrap(): void {
    const fhir = this.config.fhir;
    if (!fhir) return;
    this.pollTimer = setInterval(() => void this.poll(), fhir.pollMs);
    this.logger.info({ pollMs: fhir.pollMs, auth: fhir.auth.kind }, 'FHIR verdict poll enabled');
  }

  onApplicationShutdown(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
  }

  /** One poll at a time; a failed poll (server down) is tried again on the next tick. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.verdicts.poll();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'FHIR verdict poll failed');
    } finally {
      this.polling = false;
    }
  }
}
