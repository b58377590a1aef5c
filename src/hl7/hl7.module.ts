import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { MetricsModule } from '../metrics/metrics.module';
import { OrdersModule } from '../orders/orders.module';
import { PortalModule } from '../portal/portal.module';
import { ReportsModule } from '../reports/reports.module';
import { DeliverHl7Handler } from './deliver-hl7.handler';
import { Hl7DeliveryService } from './hl7-delivery.service';
import { Hl7InboundService } from './hl7-inbound.service';
import { Hl7Metrics } from './hl7-metrics';
import { InboundMessageRepository } from './inbound-message.repository';
import { MllpListener } from './mllp.listener';
import { OrderIntakeService } from './order-intake.service';
import { ResultIntakeService } from './result-intake.service';
import { RisClient } from './ris.client';

/** HL7 v2 over MLLP: ORU^R01 results to the RIS; orders (kept in orders/) and final results from it. */
@Module({
  imports: [AuditModule, AuthModule, DeliveriesModule, MetricsModule, OrdersModule, ReportsModule, PortalModule],
  providers: [
    RisClient,
    Hl7Metrics,
    Hl7DeliveryService,
    DeliverHl7Handler,
    InboundMessageRepository,
    OrderIntakeService,
    ResultIntakeService,
    Hl7InboundService,
    MllpListener,
  ],
})
export class Hl7Module {}
