import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { JobTargetGoneError, UnrecoverableJobError } from '../jobs/job.exception';
import type { DeliveryState, Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
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

export interface DeliveryAttempt {
  readonly reportId: string;
  /** The job's attempt number and budget: the last failed attempt is recorded as dead. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/**
 * Delivers a report's current patient document to the portal: renders the PDF, replaces the
 * patient link, posts the signed webhook and records the outcome in `deliveries.portal`.
 */
@Injectable()
export class PortalDeliveryService {
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

  async deliver(attempt: DeliveryAttempt): Promise<void> {
    const report = await this.load(attempt.reportId);
    const previous = report.deliveries[PORTAL_CHANNEL] as DeliveryState | undefined;
    if (previous?.status === 'delivered' && previous.contentVersion >= report.contentVersion) return;
    const kind = patientDocumentKind(report);
    if (!kind) {
      if (report.status === 'preliminary') throw new JobTargetGoneError(`report ${report.id} is not signed`);
      // Withdrawn before anyone signed it: the patient never had anything to take back.
      await this.record(report, previous, { status: 'delivered', error: undefined, references: { kind: 'none' } });
      return;
    }
    if (!this.webhook.enabled) throw new JobTargetGoneError('the portal webhook is not configured');
    const document = await this.render(report, previous);
    const link = await this.replaceLinks(report, kind);
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
    const outcome = await this.webhook.post(JSON.stringify(payload), `${report.id}:${report.contentVersion}`);
    const references = { kind, pdfSha256: document.sha256, linkExpiresAt: link?.expiresAt };
    switch (outcome.kind) {
      case 'accepted':
        await this.record(report, previous, {
          status: 'delivered',
          error: undefined,
          references: { ...references, httpStatus: outcome.status },
        });
        this.logger.info({ reportId: report.id, contentVersion: report.contentVersion, kind }, 'patient document delivered to the portal');
        return;
      case 'rejected':
        await this.record(report, previous, { status: 'dead', error: outcome.reason, references });
        throw new UnrecoverableJobError(outcome.reason);
      case 'unavailable': {
        const exhausted = attempt.attempt >= attempt.maxAttempts;
        await this.record(report, previous, { status: exhausted ? 'dead' : 'failed', error: outcome.reason, references });
        throw new Error(outcome.reason);
      }
    }
  }

  private async load(reportId: string): Promise<Report> {
    try {
      return await this.reports.get(reportId);
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.NotFound) throw new JobTargetGoneError(error.message);
      throw error;
    }
  }

  private async render(report: Report, previous: DeliveryState | undefined): Promise<PatientPdf> {
    try {
      return await this.pdfs.render(report);
    } catch (error) {
      if (!(error instanceof PortalException) || error.code !== PortalErrorCode.ImageUnreadable) throw error;
      await this.record(report, previous, { status: 'dead', error: error.message, references: {} });
      throw new UnrecoverableJobError(error.message);
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

  private async record(
    report: Report,
    previous: DeliveryState | undefined,
    outcome: Pick<DeliveryState, 'status' | 'error' | 'references'>,
  ): Promise<void> {
    const now = new Date();
    const sameVersion = previous?.contentVersion === report.contentVersion;
    await this.reports.recordDelivery(report.id, PORTAL_CHANNEL, {
      ...outcome,
      contentVersion: report.contentVersion,
      attempts: (sameVersion ? previous.attempts : 0) + 1,
      lastAttemptAt: now,
      deliveredAt: outcome.status === 'delivered' ? now : sameVersion ? previous.deliveredAt : undefined,
    });
  }
}
