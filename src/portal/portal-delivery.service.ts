import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { DeliveredMessage, DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent, Settlement } from '../deliveries/delivery-channel';
import { readableJson } from '../deliveries/delivered-message';
import { DeliveryErrorCode, DeliveryException } from '../deliveries/delivery.exception';
import { runDelivery } from '../deliveries/delivery-runner';
import { JobTargetGoneError } from '../jobs/job.exception';
import type { Report } from '../reports/report';
import { ReportService } from '../reports/report.service';
import { PatientPdfService, type PatientPdf } from './patient-pdf.service';
import { PortalErrorCode, PortalException } from './portal.exception';
import { PortalLinkService, type IssuedLink } from './portal-link.service';
import { PortalWebhookClient } from './portal-webhook.client';
import { patientDocumentKind } from './release.policy';

export const PORTAL_CHANNEL = 'portal';

/** The webhook body: ids, the kind of document, the PDF itself and the patient's link. */
export interface PortalPayload {
  readonly event: 'patient-document';
  readonly kind: PatientPdf['kind'];
  readonly reportId: string;
  readonly contentVersion: number;
  readonly patientId: string | undefined;
  readonly studyInstanceUid: string;
  readonly document: {
    readonly contentType: 'application/pdf';
    readonly filename: string;
    readonly sha256: string;
    readonly base64: string;
  };
  /** Absent for a withdrawal: every link to the report is revoked. */
  readonly link: { readonly url: string; readonly expiresAt: string } | undefined;
}

/** The webhook body for this content version, built before anything is sent. */
interface PortalMessage {
  readonly payload: PortalPayload;
}

/**
 * Delivers a report's current patient document to the portal: renders the PDF, replaces the
 * patient link, posts the signed webhook and records the outcome in `deliveries.portal`.
 */
@Injectable()
export class PortalDeliveryService implements DeliveryChannel<PortalMessage> {
  readonly channel = PORTAL_CHANNEL;
  private readonly logger = moduleLogger('portal');

  constructor(
    private readonly reports: ReportService,
    private readonly pdfs: PatientPdfService,
    private readonly links: PortalLinkService,
    private readonly webhook: PortalWebhookClient,
  ) {}

  get enabled(): boolean {
    return this.webhook.enabled;
  }

  deliver(attempt: DeliveryAttempt): Promise<void> {
    return runDelivery(this.reports, this, attempt);
  }

  /** Only signed content reaches the patient: a preliminary ends the job, an unsigned withdrawal has nothing to take back. */
  settle(report: Report): Settlement | undefined {
    if (patientDocumentKind(report)) return undefined;
    if (report.status === 'preliminary') throw new JobTargetGoneError(`report ${report.id} is not signed`);
    return { kind: 'nothing-to-send', references: { kind: 'none' } };
  }

  async build(context: DeliveryContext): Promise<PortalMessage> {
    if (!this.webhook.enabled) throw new JobTargetGoneError('the portal webhook is not configured');
    const { report } = context;
    const kind = patientDocumentKind(report) as PatientPdf['kind'];
    context.references = {};
    const document = await this.render(report);
    const link = await this.replaceLinks(report, kind);
    context.references = { kind, pdfSha256: document.sha256, linkExpiresAt: link?.expiresAt };
    const payload: PortalPayload = {
      event: 'patient-document',
      kind,
      reportId: report.id,
      contentVersion: report.contentVersion,
      patientId: report.patient.patientId,
      studyInstanceUid: report.studyInstanceUid,
      document: {
        contentType: 'application/pdf',
        filename: document.filename,
        sha256: document.sha256,
        base64: document.pdf.toString('base64'),
      },
      link: link ? { url: link.url, expiresAt: link.expiresAt.toISOString() } : undefined,
    };
    return { payload };
  }

  async send({ payload }: PortalMessage, context: DeliveryContext): Promise<Sent> {
    const { report } = context;
    const outcome = await this.webhook.post(JSON.stringify(payload), `${report.id}:${report.contentVersion}`);
    switch (outcome.kind) {
      case 'accepted':
        this.logger.info(
          { reportId: report.id, contentVersion: report.contentVersion, kind: payload.kind },
          'patient document delivered to the portal',
        );
        return { references: { ...context.references, httpStatus: outcome.status }, answer: `HTTP ${outcome.status}` };
      case 'rejected':
        throw new DeliveryException(DeliveryErrorCode.ReceiverRefused, outcome.reason);
      case 'unavailable':
        throw new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, outcome.reason);
    }
  }

  /** The webhook body without the PDF bytes and without the link's secret. */
  describe({ payload }: PortalMessage): DeliveredMessage {
    const shown = {
      ...payload,
      document: { ...payload.document, base64: `(${payload.document.base64.length} characters of base64 left out)` },
      link: payload.link ? { url: '(patient link, not shown)', expiresAt: payload.link.expiresAt } : undefined,
    };
    return { contentType: 'application/json', text: readableJson(shown) };
  }

  /** An original image that cannot be read will not be readable on the next try either: the portal does not wait for it. */
  private async render(report: Report): Promise<PatientPdf> {
    try {
      return await this.pdfs.render(report);
    } catch (error) {
      if (!(error instanceof PortalException) || error.code !== PortalErrorCode.ImageUnreadable) throw error;
      throw new DeliveryException(DeliveryErrorCode.ContentUnbuildable, error.message, { cause: error });
    }
  }

  /** A withdrawal revokes every link; a new version revokes the older ones and gets its own. */
  private async replaceLinks(report: Report, kind: PatientPdf['kind']): Promise<IssuedLink | undefined> {
    if (kind === 'withdrawn') {
      await this.links.revokeAll(report.id);
      return undefined;
    }
    await this.links.revokeSuperseded(report);
    return this.links.issue(report);
  }
}
