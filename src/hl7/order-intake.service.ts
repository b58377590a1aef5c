import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Hl7Message } from '@medplum/core';
import { AnalyseStudyHandler, type OrderContext } from '../analysis/analyse-study.handler';
import { StudyAssemblyService } from '../analysis/study-assembly.service';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { InstanceRecord } from '../dicom/instance-record';
import type { Order } from './order';
import { parseOrderMessage } from './order-message.parser';
import { OrderRepository } from './order.repository';

/**
 * Orders from the RIS: kept by accession number, and asked by study assembly how many images
 * a study should have, so a study is read the moment its last expected image arrives.
 */
@Injectable()
export class OrderIntakeService implements OnModuleInit {
  private readonly logger = moduleLogger('hl7');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orders: OrderRepository,
    private readonly assembly: StudyAssemblyService,
    private readonly analysis: AnalyseStudyHandler,
  ) {}

  onModuleInit(): void {
    // Orders only arrive through the listener: without it there is nothing to look up.
    if (!this.config.hl7.listener) return;
    this.assembly.setExpectedImageCountProvider((record) => this.expectedImageCount(record));
    this.analysis.setOrderContextProvider((record) => this.orderContext(record));
  }

  async receive(message: Hl7Message): Promise<Order> {
    const order = await this.orders.upsert(parseOrderMessage(message));
    this.logger.info(
      { orderId: order.id, accessionNumber: order.accessionNumber, status: order.status, expectedImageCount: order.expectedImageCount },
      'order stored',
    );
    return order;
  }

  /** The order's body part (when the images carry none) and its priority: stat → urgent, ASAP → soon. */
  async orderContext(record: InstanceRecord): Promise<OrderContext | undefined> {
    const order = record.accessionNumber
      ? await this.orders.findByAccession(record.accessionNumber)
      : await this.orders.findByStudy(record.studyInstanceUid);
    if (!order || order.status === 'cancelled') return undefined;
    const minimumUrgency = order.priority === 'S' ? 'urgent' : order.priority === 'A' ? 'soon' : undefined;
    return { bodyPart: order.bodyPart, minimumUrgency };
  }

  async expectedImageCount(record: InstanceRecord): Promise<number | undefined> {
    const order = record.accessionNumber
      ? await this.orders.findByAccession(record.accessionNumber)
      : await this.orders.findByStudy(record.studyInstanceUid);
    if (!order || order.status === 'cancelled') return undefined;
    if (order.studyInstanceUid === undefined) await this.orders.linkStudy(order.id, record.studyInstanceUid);
    return order.expectedImageCount;
  }
}
