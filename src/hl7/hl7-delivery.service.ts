import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Message } from 'node-hl7-client';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { DeliveredMessage, DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent, Settlement } from '../deliveries/delivery-channel';
import { runDelivery } from '../deliveries/delivery-runner';
import { DeliveryErrorCode, DeliveryException } from '../deliveries/delivery.exception';
import { OrderRepository } from '../orders/order.repository';
import { PatientPdfService } from '../portal/patient-pdf.service';
import type { DeliveryState, Report } from '../reports/report';
import { messageControlId } from '../reports/report-identity';
import { ReportService } from '../reports/report.service';
import { resultStatusOf } from './hl7-codes';
import { Hl7Metrics } from './hl7-metrics';
import { buildResultMessage } from './result-message.builder';
import { RisClient } from './ris.client';

export const HL7_CHANNEL = 'hl7';

/** An ORU^R01 ready for the RIS, and the control id its ACK must quote. */
interface ResultMessage {
  readonly message: Message;
  readonly controlId: string;
}

/**
 * Sends the report's current content to the RIS as ORU^R01 and keeps `deliveries.hl7`:
 * AA → delivered; AE, no ACK or a connection error → failed, retried with back-off;
 * AR → dead at once with the RIS's text (a replay sends the then-current content again).
 */
@Injectable()
export class Hl7DeliveryService implements DeliveryChannel<ResultMessage> {
  readonly channel = HL7_CHANNEL;
  private readonly logger = moduleLogger('hl7');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly orders: OrderRepository,
    private readonly ris: RisClient,
    private readonly pdfs: PatientPdfService,
    @Optional() private readonly metrics?: Hl7Metrics,
  ) {}

  get enabled(): boolean {
    return this.config.hl7.ris !== undefined;
  }

  deliver(attempt: DeliveryAttempt): Promise<void> {
    return runDelivery(this.reports, this, attempt);
  }

  /** The RIS sent this verdict: echoing it back as our own result would only loop. */
  settle(report: Report, previous: DeliveryState | undefined): Settlement | undefined {
    if (report.status === 'preliminary' || report.review?.source !== 'hl7') return undefined;
    return { kind: 'not-sent', references: { ...(previous?.references ?? {}), notSent: 'the verdict came from the RIS' } };
  }

  async build(context: DeliveryContext): Promise<ResultMessage> {
    const { report, previous } = context;
    // One control id per content version: a re-send after a crash or an outage is the same
    // message, which a RIS that already took it recognises as a duplicate.
    const controlId = messageControlId(report, report.contentVersion);
    const earlier = ((previous?.references.messageControlIds as string[] | undefined) ?? []).filter((id) => id !== controlId);
    const sentControlIds = [...earlier, controlId].slice(-20);
    context.references = { messageControlId: controlId, messageControlIds: sentControlIds, resultStatus: resultStatusOf(report.status) };
    const order = report.accessionNumber
      ? await this.orders.findByAccession(report.accessionNumber)
      : await this.orders.findByStudy(report.studyInstanceUid);
    let pdf: Buffer | undefined;
    try {
      pdf = await this.signedPdf(report);
    } catch (error) {
      const reason = `patient PDF for the ORU could not be rendered: ${(error as Error).message}`;
      throw new DeliveryException(DeliveryErrorCode.ContentNotReady, reason, { cause: error });
    }
    try {
      return { message: buildResultMessage(report, order, controlId, this.config.hl7, new Date(), pdf), controlId };
    } catch (error) {
      // The same report content builds the same way every time: retrying cannot help.
      throw new DeliveryException(DeliveryErrorCode.ContentUnbuildable, `ORU could not be built: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async send({ message, controlId }: ResultMessage, context: DeliveryContext): Promise<Sent> {
    const ack = await this.ris.send(message, controlId);
    this.metrics?.received(ack.code);
    const detail = ack.text ? `: ${ack.text}` : '';
    switch (ack.code) {
      case 'AA':
      case 'CA':
        this.logger.info({ reportId: context.report.id, controlId, ack: ack.code }, 'ORU delivered to the RIS');
        return { references: context.references, answer: `ACK ${ack.code}${detail}` };
      case 'AR':
      case 'CR':
        throw new DeliveryException(DeliveryErrorCode.ReceiverRefused, `RIS rejected the ORU (${ack.code})${detail}`);
      default:
        throw new DeliveryException(
          DeliveryErrorCode.ReceiverUnavailable,
          `RIS could not process the ORU (${ack.code || 'no MSA-1'})${detail}`,
        );
    }
  }

  /** The ORU as the RIS gets it, one segment a line. */
  describe({ message }: ResultMessage): DeliveredMessage {
    return { contentType: 'application/hl7-v2', text: message.toString().split('\r').join('\n') };
  }

  /** The PDF the patient gets, for a RIS that files it with the result; only signed results carry it. */
  private async signedPdf(report: Report): Promise<Buffer | undefined> {
    if (!this.config.hl7.embedPdf || (report.status !== 'final' && report.status !== 'amended')) return undefined;
    return (await this.pdfs.render(report)).pdf;
  }
}
