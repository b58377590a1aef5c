import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module';
import { DeliveryScheduler } from './delivery-scheduler';

/** What every delivery channel shares: its job, the change events and sweeps that schedule it. */
@Module({
  imports: [ReportsModule],
  providers: [DeliveryScheduler],
  exports: [DeliveryScheduler],
})
export class DeliveriesModule {}
