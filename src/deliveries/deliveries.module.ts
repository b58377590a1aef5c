import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { ReportsModule } from '../reports/reports.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryMetrics } from './delivery-metrics';
import { DeliveryScheduler } from './delivery-scheduler';

/** What every delivery channel shares: its job, the change events and sweeps that schedule it, and each channel's state. */
@Module({
  imports: [MetricsModule, ReportsModule],
  controllers: [DeliveriesController],
  providers: [DeliveryScheduler, DeliveryMetrics],
  exports: [DeliveryScheduler],
})
export class DeliveriesModule {}
