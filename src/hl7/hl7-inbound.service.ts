import { Inject, Injectable } from '@nestjs/common';
import { Hl7Message } from '@medplum/core';
import { AuditService } from '../audit/audit.service';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { ackFor, nakForUnreadable, type AckContent } from './ack.builder';
import { headerOf, type MessageHeader } from './hl7-fields';
import { ackDecisionOf, Hl7ErrorCode, Hl7Exception } from './hl7.exception';
import { InboundMessageRepository } from './inbound-message.repository';
import { untrustedBecause } from './trusted-sender.policy';
import { OrderIntakeService } from './order-intake.service';
import { ResultIntakeService } from './result-intake.service';

type Accepted = 'ORM^O01' | 'OMI^O23' | 'ORU^R01';
const ACCEPTED: readonly string[] = ['ORM^O01', 'OMI^O23', 'ORU^R01'] satisfies readonly Accepted[];

function refusal(error: Hl7Exception): AckContent {
  const decision = ackDecisionOf(error.code);
  return { code: decision.ackCode, text: error.message, errorCondition: decision.errorCondition };
}

/**
 * One inbound HL7 message → its ACK. Orders and results are applied once per control id
 * (sending application + facility + MSH-10); a re-sent message is acknowledged again, not re-applied.
 */
@Injectable()
export class Hl7InboundService {
  private readonly logger = moduleLogger('hl7');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly processed: InboundMessageRepository,
    private readonly orders: OrderIntakeService,
    private readonly results: ResultIntakeService,
    private readonly audit: AuditService,
  ) {}

  /** The NAK for bytes that never became a frame (garbage, a frame cut off). */
  unframed(reason: string): string {
    return nakForUnreadable(
      refusal(new Hl7Exception(Hl7ErrorCode.Malformed, `not an MLLP-framed HL7 message: ${reason}`)),
      this.config.hl7,
    );
  }

  /** `remoteAddress`: the connection's peer address, checked against the trusted senders. */
  async handle(text: string, remoteAddress = ''): Promise<string> {
    let message: Hl7Message;
    try {
      message = Hl7Message.parse(text.replace(/\r?\n/g, '\r').replace(/\r+$/, ''));
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'unreadable HL7 message: NAK');
      return nakForUnreadable(
        refusal(new Hl7Exception(Hl7ErrorCode.Malformed, 'the frame holds no HL7 message starting with MSH')),
        this.config.hl7,
      );
    }
    const header = headerOf(message);
    const content = await this.process(message, header, remoteAddress);
    this.logger.info(
      { controlId: header.controlId, type: `${header.messageCode}^${header.triggerEvent}`, ack: content.code },
      'HL7 message acknowledged',
    );
    return ackFor(message, content, this.config.hl7);
  }

  private async process(message: Hl7Message, header: MessageHeader, remoteAddress: string): Promise<AckContent> {
    const type = `${header.messageCode}^${header.triggerEvent}`;
    if (!ACCEPTED.includes(type)) {
      return refusal(
        new Hl7Exception(
          Hl7ErrorCode.UnsupportedMessageType,
          `message type ${type} is not accepted; Osteon accepts ${ACCEPTED.join(', ')}`,
        ),
      );
    }
    if (header.controlId === '') return refusal(new Hl7Exception(Hl7ErrorCode.RequiredFieldMissing, 'MSH-10 message control id is empty'));
    const untrusted = untrustedBecause(this.config.hl7.trustedSenders, header, remoteAddress);
    if (untrusted !== undefined) {
      const error = new Hl7Exception(Hl7ErrorCode.UntrustedSender, untrusted);
      await this.auditRefusal(header, type, remoteAddress, error);
      return refusal(error);
    }
    const key = `${header.sendingApplication}|${header.sendingFacility}|${header.controlId}`;
    const earlier = await this.processed.claim(key, type);
    if (earlier?.state === 'processed') return { code: 'AA', text: `message ${header.controlId} was already processed; not applied again` };
    if (earlier)
      return refusal(new Hl7Exception(Hl7ErrorCode.InProgress, `message ${header.controlId} is being processed; send it again later`));
    try {
      const text = await this.apply(type as Accepted, message);
      await this.processed.markProcessed(key);
      return { code: 'AA', text };
    } catch (error) {
      await this.processed.release(key);
      if (error instanceof Hl7Exception && error.code === Hl7ErrorCode.UnknownInterpreter)
        await this.auditRefusal(header, type, remoteAddress, error);
      if (error instanceof Hl7Exception) return refusal(error);
      this.logger.error({ controlId: header.controlId, err: (error as Error).message }, 'HL7 message could not be processed');
      return refusal(new Hl7Exception(Hl7ErrorCode.Internal, 'Osteon could not process the message; send it again later'));
    }
  }

  /** A message refused for who sent or signed it: the audit log keeps who tried (ids and codes only). */
  private async auditRefusal(header: MessageHeader, type: string, remoteAddress: string, error: Hl7Exception): Promise<void> {
    const sender = `${header.sendingApplication}^${header.sendingFacility}`;
    await this.audit.record({
      actor: { id: `hl7:${sender}`, username: sender, role: 'system' },
      action: type === 'ORU^R01' ? 'hl7.verdict.refused' : 'hl7.order.refused',
      resourceType: 'hl7-message',
      resourceId: header.controlId,
      details: { code: error.code, reason: error.message, address: remoteAddress, messageType: type },
    });
    this.logger.warn({ controlId: header.controlId, sender, address: remoteAddress, code: error.code }, 'HL7 message refused');
  }

  private async apply(type: Accepted, message: Hl7Message): Promise<string> {
    switch (type) {
      case 'ORM^O01':
      case 'OMI^O23': {
        const order = await this.orders.receive(message);
        return `order ${order.accessionNumber} ${order.status}`;
      }
      case 'ORU^R01': {
        const report = await this.results.receive(message);
        return `report ${report.id} is ${report.status}`;
      }
    }
  }
}
