import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type * as R4 from 'fhir/r4';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { DeliveredMessage, DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent, Settlement } from '../deliveries/delivery-channel';
import { readableJson } from '../deliveries/delivered-message';
import { runDelivery } from '../deliveries/delivery-runner';
import { DeliveryScheduler } from '../deliveries/delivery-scheduler';
import { PatientPdfService } from '../portal/patient-pdf.service';
import type { DeliveryState, Report } from '../reports/report';
import { reportKey } from '../reports/report-identity';
import { ReportService } from '../reports/report.service';
import { REPORT_CODE, osteonSystem } from './fhir-codes';
import { fhirReferencesOf } from './fhir-delivery.service';
import { FhirServerClient } from './fhir-server.client';
import { FhirErrorCode, FhirException } from './fhir.exception';

export const FHIR_DOCUMENT_CHANNEL = 'fhir-document';

/**
 * The patient PDF as a FHIR DocumentReference, the form patient portals read: created by
 * identifier once a doctor has signed, updated with If-Match on every later version (a
 * corrected PDF replaces it; a withdrawal marks it entered-in-error). Only signed content
 * goes out, as with every patient-facing delivery.
 */
@Injectable()
export class FhirDocumentService implements OnModuleInit, DeliveryChannel<R4.DocumentReference> {
  readonly channel = FHIR_DOCUMENT_CHANNEL;
  private readonly logger = moduleLogger('fhir');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: DeliveryScheduler,
    private readonly reports: ReportService,
    private readonly pdfs: PatientPdfService,
    private readonly server: FhirServerClient,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      channel: FHIR_DOCUMENT_CHANNEL,
      jobType: 'deliver-fhir-document',
      statuses: ['final', 'amended', 'entered-in-error'],
      enabled: this.config.fhir !== undefined,
      sweepMs: this.config.fhir?.sweepMs ?? 30_000,
      deliver: (attempt) => this.deliver(attempt),
    });
  }

  deliver(attempt: DeliveryAttempt): Promise<void> {
    return runDelivery(this.reports, this, attempt);
  }

  /** A report withdrawn before anyone signed it never had a document. */
  settle(report: Report, previous: DeliveryState | undefined): Settlement | undefined {
    return report.status === 'entered-in-error' && !previous
      ? { kind: 'nothing-to-send', references: { skipped: 'never signed' } }
      : undefined;
  }

  async build(context: DeliveryContext): Promise<R4.DocumentReference> {
    return this.documentOf(context.report);
  }

  /** The DocumentReference, its PDF bytes left out. */
  describe(document: R4.DocumentReference): DeliveredMessage {
    return { contentType: 'application/fhir+json', text: readableJson(document) };
  }

  async send(document: R4.DocumentReference, context: DeliveryContext): Promise<Sent> {
    const { report } = context;
    const references = await this.publish(report, context.previous, document);
    this.logger.info(
      { reportId: report.id, contentVersion: report.contentVersion, documentReferenceId: references.id },
      'FHIR DocumentReference delivered',
    );
    return { references };
  }

  private async publish(
    report: Report,
    previous: DeliveryState | undefined,
    document: R4.DocumentReference,
  ): Promise<{ id: string; version: string }> {
    const stored = previous?.references as { id?: string; version?: string } | undefined;
    const known: { id?: string; version?: string } = { id: stored?.id, version: stored?.version };
    for (let round = 0; round < 3; round += 1) {
      const entry: R4.BundleEntry =
        known.id && known.version
          ? {
              resource: { ...document, id: known.id },
              request: { method: 'PUT', url: `DocumentReference/${known.id}`, ifMatch: `W/"${known.version}"` },
            }
          : {
              fullUrl: 'urn:uuid:osteon-document',
              resource: document,
              request: { method: 'POST', url: 'DocumentReference', ifNoneExist: this.identifierQuery(report) },
            };
      try {
        const response = await this.server.transaction({ resourceType: 'Bundle', type: 'transaction', entry: [entry] });
        const answer = response.entry?.[0];
        const location = answer?.response?.location?.match(/DocumentReference\/([^/]+)(?:\/_history\/([^/]+))?/);
        const id = answer?.resource?.id ?? location?.[1];
        const version = answer?.resource?.meta?.versionId ?? location?.[2] ?? answer?.response?.etag?.replace(/^W\/"|"$/g, '');
        if (!id || !version) throw new FhirException(FhirErrorCode.BadResponse, 'FHIR server returned no DocumentReference id and version');
        const written = { id, version };
        // Found by identifier (an earlier answer was lost): it may hold older content.
        if (response.entry?.[0]?.response?.status?.startsWith('200') && !known.id) {
          Object.assign(known, written);
          continue;
        }
        return written;
      } catch (error) {
        if (!(error instanceof FhirException && error.code === FhirErrorCode.VersionConflict) || !known.id) throw error;
        // The PDF is Osteon's alone: take the server's current version and write again.
        const current = await this.server.read<R4.DocumentReference>('DocumentReference', known.id);
        known.version = current.meta?.versionId;
      }
    }
    throw new FhirException(FhirErrorCode.VersionConflict, 'DocumentReference kept changing on the server');
  }

  private async documentOf(report: Report): Promise<R4.DocumentReference> {
    const fhir = this.config.fhir as NonNullable<AppConfig['fhir']>;
    const withdrawn = report.status === 'entered-in-error';
    const pdf = await this.pdfs.render(report);
    const diagnosticReportId = fhirReferencesOf(report).ids.report;
    return {
      resourceType: 'DocumentReference',
      identifier: [{ system: osteonSystem(fhir.system, 'report'), value: `${reportKey(report)}/patient-pdf` }],
      status: withdrawn ? 'entered-in-error' : 'current',
      docStatus: report.status === 'amended' || report.reviews.length > 1 ? 'amended' : 'final',
      type: { coding: [{ ...REPORT_CODE }], text: 'Patient radiology report (PDF)' },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
      subject: report.patient.patientId ? { identifier: { system: fhir.patientIdSystem, value: report.patient.patientId } } : undefined,
      date: (report.finalAt ?? report.updatedAt).toISOString(),
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            data: pdf.pdf.toString('base64'),
            size: pdf.pdf.length,
            hash: createHash('sha1').update(pdf.pdf).digest('base64'),
            title: pdf.filename,
            creation: (report.finalAt ?? report.updatedAt).toISOString(),
          },
        },
      ],
      context: {
        related: [
          diagnosticReportId
            ? { reference: `DiagnosticReport/${diagnosticReportId}` }
            : { identifier: { system: osteonSystem(fhir.system, 'report'), value: reportKey(report) } },
        ],
      },
    };
  }

  private identifierQuery(report: Report): string {
    const fhir = this.config.fhir as NonNullable<AppConfig['fhir']>;
    return `identifier=${encodeURIComponent(osteonSystem(fhir.system, 'report'))}|${encodeURIComponent(`${reportKey(report)}/patient-pdf`)}`;
  }
}
