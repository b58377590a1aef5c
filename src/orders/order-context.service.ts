import { Injectable } from '@nestjs/common';
import type { Order } from './order';
import type { OrderContext, OrderContextSource, OrderedStudy } from './order-context';
import { OrderRepository } from './order.repository';

/** The order a study's images belong to: by accession number, else by the study it was linked to. */
@Injectable()
export class OrderContextService implements OrderContextSource {
  constructor(private readonly orders: OrderRepository) {}

  /** The order's body part (when the images carry none) and its priority: stat → urgent, ASAP → soon. */
  async contextOf(study: OrderedStudy): Promise<OrderContext | undefined> {
    const order = await this.orderOf(study);
    if (!order) return undefined;
    const minimumUrgency = order.priority === 'S' ? 'urgent' : order.priority === 'A' ? 'soon' : undefined;
    return { bodyPart: order.bodyPart, minimumUrgency };
  }

  async expectedImageCount(study: OrderedStudy): Promise<number | undefined> {
    const order = await this.orderOf(study);
    if (!order) return undefined;
    // Remembers which study fulfils the order, so a result quoting the accession finds the report.
    if (order.studyInstanceUid === undefined) await this.orders.linkStudy(order.id, study.studyInstanceUid);
    return order.expectedImageCount;
  }

  private async orderOf(study: OrderedStudy): Promise<Order | undefined> {
    const order = study.accessionNumber
      ? await this.orders.findByAccession(study.accessionNumber)
      : await this.orders.findByStudy(study.studyInstanceUid);
    return order && order.status !== 'cancelled' ? order : undefined;
  }
}
