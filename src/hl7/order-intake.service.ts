import type { Hl7Message } from '@medplum/core';
import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { Order } from '../orders/order';
import { OrderRepository } from '../orders/order.repository';
import { parseOrderMessage } from './order-message.parser';

/**
 * Orders from the RIS, kept by accession number in orders/. Study assembly and analysis read them
 * through the ORDER_CONTEXT provider, so a study is read the moment its last expected image arrives.
 */
@Injectable()
export class OrderIntakeService {
  private readonly logger = moduleLogger('hl7');

  constructor(private readonly orders: OrderRepository) {}

  async receive(message: Hl7Message): Promise<Order> {
    const order = await this.orders.upsert(parseOrderMessage(message));
    this.logger.info(
      { orderId: order.id, accessionNumber: order.accessionNumber, status: order.status, expectedImageCount: order.expectedImageCount },
      'order stored',
    );
    return order;
  }
}
