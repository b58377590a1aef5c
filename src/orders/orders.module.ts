import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { NO_ORDERS, ORDER_CONTEXT } from './order-context';
import { OrderContextService } from './order-context.service';
import { OrderRepository } from './order.repository';

/**
 * Imaging orders (written by the HL7 listener) and what they tell study assembly and analysis,
 * provided by token: analysis/ depends on the OrderContextSource shape, not on hl7/.
 */
@Module({
  providers: [
    OrderRepository,
    OrderContextService,
    {
      provide: ORDER_CONTEXT,
      inject: [APP_CONFIG, OrderContextService],
      // Orders only arrive through the listener: without it there is nothing to look up.
      useFactory: (config: AppConfig, orders: OrderContextService) => (config.hl7.listener ? orders : NO_ORDERS),
    },
  ],
  exports: [OrderRepository, ORDER_CONTEXT],
})
export class OrdersModule {}
