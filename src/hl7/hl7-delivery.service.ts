import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { JobTargetGoneError, UnrecoverableJobError } from '../jobs/job.exception';
import { PatientPdfService } from '../portal/patient-pdf.service';
import type { DeliveryState, Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { resultStatusOf } from './hl7-codes';
import { OrderRepository } from './order.repository';
import { buildResultMessage } from './result-message.builder';
import { RisClient } from './ris.client';

export const HL7_CHANNEL = 'hl7';

export interface Hl7DeliveryRequest {
  readonly reportId: string;
  /** The job's attempt number and budget: the last failed attempt is recorded as dead. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** MSH-10: unique per message, also across retries of the same report content; 19 characters (ST, at most 20 in v2.5.1). */
export function newControlId(): string {
  return `OST${Date.now().toString(36).toUpperCase().padStart(8, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
}

/**
 * Sends the report's current content to the RIS as ORU^R01 and keeps `deliveries.hl7`:
 * AA → delivered; AE, no ACK or a connection error → failed, retried with back-off;
 * AR → dead at once with the RIS's text (a replay sends the then-current content again).
 */
@Injectable()
export class Hl7DeliveryService {
  private readonly logger = moduleLogger('hl7');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly orders: OrderRepository,
    private readonly ris: RisClient,
    private readonly pdfs: PatientPdfService,
  ) {}

  get enabled(): boolean {
    return this.config.hl7.ris !== undefined;
  }

  async deliver(request: Hl7DeliveryRequest): Promise<void> {
    const report = await this.load(request.reportId);
    const previous = report.deliveries[HL7_CHANNEL] as DeliveryState | undefined;
    if (previous?.status === 'delivered' && previous.contentVersion >= report.contentVersion) return;
    if (report.status !== 'preliminary' && report.review?.source === 'hl7') {
      // The RIS sent this verdict: echoing it back as our own result would only loop.
      await this.reports.recordDelivery(report.id, HL7_CHANNEL, {
        status: 'delivered',
        contentVersion: report.contentVersion,
        attempts: 0,
        lastAttemptAt: previous?.lastAttemptAt,
        deliveredAt: previous?.deliveredAt,
        error: undefined,
        references: { ...(previous?.references ?? {}), notSent: 'the verdict came from the RIS' },
      });
      return;
    }
    const order = report.accessionNumber
      ? await this.orders.findByAccession(report.accessionNumber)
      : await this.orders.findByStudy(report.studyInstanceUid);
    const controlId = newControlId();
    const sameVersion = previous?.contentVersion === report.contentVersion;
    const sentControlIds = [...((previous?.references.messageControlIds as string[] | undefined) ?? []), controlId].slice(-20);
    const base = {
      contentVersion: report.contentVersion,
      attempts: sameVersion && previous ? previous.attempts + 1 : 1,
      lastAttemptAt: new Date(),
      deliveredAt: previous?.deliveredAt,
      references: { messageControlId: controlId, messageControlIds: sentControlIds, resultStatus: resultStatusOf(report.status) },
    };
    const log = this.logger.child({ reportId: report.id, controlId, contentVersion: report.contentVersion });
    const lastAttempt = request.attempt >= request.maxAttempts;
    let pdf: Buffer | undefined;
    try {
      pdf = await this.signedPdf(report);
    } catch (error) {
      const reason = `patient PDF for the ORU could not be rendered: ${(error as Error).message}`;
      await this.reports.recordDelivery(report.id, HL7_CHANNEL, { ...base, status: lastAttempt ? 'dead' : 'failed', error: reason });
      throw new Error(reason);
    }
    let message;
    try {
      message = buildResultMessage(report, order, controlId, this.config.hl7, new Date(), pdf);
    } catch (error) {
      // The same report content builds the same way every time: retrying cannot help.
      const reason = `ORU could not be built: ${(error as Error).message}`;
      await this.reports.recordDelivery(report.id, HL7_CHANNEL, { ...base, status: 'dead', error: reason });
      throw new UnrecoverableJobError(reason);
    }
    let ack;
    try {
      ack = await this.ris.send(message, controlId);
    } catch (error) {
      const reason = (error as Error).message;
      await this.reports.recordDelivery(report.id, HL7_CHANNEL, { ...base, status: lastAttempt ? 'dead' : 'failed', error: reason });
      log.warn({ err: reason }, 'ORU not delivered: will retry');
      throw new Error(reason);
    }
    const detail = ack.text ? `: ${ack.text}` : '';
    switch (ack.code) {
      case 'AA':
      case 'CA':
        await this.reports.recordDelivery(report.id, HL7_CHANNEL, {
          ...base,
          status: 'delivered',
          deliveredAt: new Date(),
          error: undefined,
        });
        log.info({ ack: ack.code }, 'ORU delivered to the RIS');
        return;
      case 'AR':
      case 'CR': {
        const reason = `RIS rejected the ORU (${ack.code})${detail}`;
        await this.reports.recordDelivery(report.id, HL7_CHANNEL, { ...base, status: 'dead', error: reason });
        log.error({ ack: ack.code }, 'ORU rejected by the RIS: dead-lettered');
        throw new UnrecoverableJobError(reason);
      }
      default: {
        const reason = `RIS could not process the ORU (${ack.code || 'no MSA-1'})${detail}`;
        await this.reports.recordDelivery(report.id, HL7_CHANNEL, { ...base, status: lastAttempt ? 'dead' : 'failed', error: reason });
        log.warn({ ack: ack.code }, 'ORU not accepted by the RIS: will retry');
        throw new Error(reason);
      }
    }
  }

  /** The PDF the patient gets, for a RIS that files it with the result; only signed results carry it. */
  private async signedPdf(report: Report): Promise<Buffer | undefined> {
    if (!this.config.hl7.embedPdf || (report.status !== 'final' && report.status !== 'amended')) return undefined;
    return (await this.pdfs.render(report)).pdf;
  }

  private async load(reportId: string): Promise<Report> {
    try {
      return await this.reports.get(reportId);
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.NotFound) throw new JobTargetGoneError(error.message);
      throw error;
    }
  }
}
