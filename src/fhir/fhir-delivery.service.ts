import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type * as R4 from 'fhir/r4';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { InstanceRepository } from '../dicom/instance.repository';
import type { DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent, Settlement } from '../deliveries/delivery-channel';
import { readableJson } from '../deliveries/delivered-message';
import { runDelivery } from '../deliveries/delivery-runner';
import type { DeliveryState, Report } from '../reports/report';
import { ReportService } from '../reports/report.service';
import { mergeDiagnosticReport, mergeOwnedResource, serverDecisionWins } from './fhir-conflict.policy';
import { buildResources, OWNED_SLOTS, typeOf, type PlannedResource, type SeriesInfo, type Slot } from './fhir-resources.builder';
import { FhirServerClient } from './fhir-server.client';
import { FhirErrorCode, FhirException, outcomeText } from './fhir.exception';

export const FHIR_CHANNEL = 'fhir';
const MAX_MERGES = 3;
const KEEP_WRITTEN = 20;

/** What `deliveries.fhir.references` holds: server ids, the versions to send in If-Match. */
export interface FhirReferences {
  readonly ids: Partial<Record<Slot, string>>;
  readonly versions: Partial<Record<Slot, string>>;
  /** DiagnosticReport versions Osteon wrote: the poll ignores these. */
  readonly written: readonly string[];
}

export function fhirReferencesOf(report: Report): FhirReferences {
  const state = report.deliveries[FHIR_CHANNEL] as DeliveryState | undefined;
  const references = state?.references as Partial<FhirReferences> | undefined;
  return { ids: { ...(references?.ids ?? {}) }, versions: { ...(references?.versions ?? {}) }, written: [...(references?.written ?? [])] };
}

/**
 * The server's answer for the operator: each entry's status by resource, then the response bundle
 * with each echoed resource cut to its reference (its content is the message sent, shown beside)
 * and each entry's OperationOutcome to its text.
 */
function answerOfTransaction(response: R4.Bundle, slots: readonly Slot[], round: number): string {
  const statuses = slots.map((slot, index) => `${typeOf(slot)} ${response.entry?.[index]?.response?.status ?? '?'}`).join(', ');
  const merged = round > 0 ? ` (after ${round} re-read and merge${round > 1 ? 's' : ''})` : '';
  const entries = (response.entry ?? []).map(({ response: answer, resource }) => ({
    response: answer ? { ...answer, ...(answer.outcome ? { outcome: outcomeText(answer.outcome) } : {}) } : undefined,
    ...(resource ? { resource: `${resource.resourceType}/${resource.id ?? '?'}` } : {}),
  }));
  return `${response.type ?? 'Bundle'}${merged}: ${statuses}\n${readableJson({ ...response, entry: entries })}`;
}

/** What a publication needs beyond the report: its series, and the server ids and versions known so far. */
interface FhirPublication {
  readonly series: SeriesInfo[];
  readonly stored: FhirReferences;
}

/**
 * Publishes a report's current content as one transaction: Patient and Device created only if
 * absent, Osteon's resources created by identifier the first time and updated with If-Match on
 * the stored version after that. A 412 re-reads, merges (fhir-conflict.policy) and tries again.
 * A 4xx (FhirException Rejected) is permanent; 5xx and no answer are retried (delivery-runner.ts).
 */
@Injectable()
export class FhirDeliveryService implements DeliveryChannel<FhirPublication> {
  readonly channel = FHIR_CHANNEL;
  private readonly logger = moduleLogger('fhir');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly instances: InstanceRepository,
    private readonly server: FhirServerClient,
  ) {}

  get enabled(): boolean {
    return this.config.fhir !== undefined;
  }

  deliver(attempt: DeliveryAttempt): Promise<void> {
    return runDelivery(this.reports, this, attempt);
  }

  /** Nothing to publish while a report has neither an AI finding nor a doctor's verdict (currentVerdict). */
  settle(report: Report): Settlement | undefined {
    if (report.findings || report.review) return undefined;
    return { kind: 'nothing-to-send', references: { notSent: 'no AI finding and no verdict yet' } };
  }

  async build(context: DeliveryContext): Promise<FhirPublication> {
    const stored = fhirReferencesOf(context.report);
    context.references = { ...stored };
    return { series: await this.seriesOf(context.report), stored };
  }

  async send(publication: FhirPublication, context: DeliveryContext): Promise<Sent> {
    const { report } = context;
    const { references: published, answer } = await this.publish(context, publication);
    this.logger.info({ reportId: report.id, status: report.status, diagnosticReportId: published.ids.report }, 'FHIR delivery done');
    return { references: { ...published }, answer };
  }

  private async publish(
    context: DeliveryContext,
    { series, stored }: FhirPublication,
  ): Promise<{ references: FhirReferences; answer: string }> {
    const { report } = context;
    let ids = { ...stored.ids };
    let versions = { ...stored.versions };
    let overrides: Partial<Record<Slot, R4.FhirResource | null>> = {};
    let keepsDoctorDecision = false;
    const written = [...stored.written];
    for (let round = 0; ; round += 1) {
      const urns = new Map<Slot, string>();
      const ref = (slot: Slot): string => {
        const id = OWNED_SLOTS.includes(slot) ? ids[slot] : undefined;
        if (id) return `${typeOf(slot)}/${id}`;
        if (!urns.has(slot)) urns.set(slot, `urn:uuid:${randomUUID()}`);
        return urns.get(slot) as string;
      };
      const planned = buildResources(report, series, this.site(), ref);
      const { bundle, slots, creates } = this.transactionOf(planned, ids, versions, overrides, ref);
      // Each round's bundle replaces the last: the browser shows the transaction that went out last.
      context.recordSent({ contentType: 'application/fhir+json', text: readableJson(bundle) });
      try {
        const response = await this.server.transaction(bundle);
        const outcome = this.readResponse(response, slots);
        ids = { ...ids, ...outcome.ids };
        versions = { ...versions, ...outcome.versions };
        // A conditional create that found the resource (200) wrote nothing: that version is not ours.
        const found = creates.filter((slot) => outcome.statuses[slot] === 200);
        // A version that carries the server's doctor decision is not Osteon's own: the verdict poll
        // must still take it in (after a lost database the poll may have passed it before the
        // re-read report existed).
        if (outcome.versions.report && !found.includes('report') && !keepsDoctorDecision) written.push(outcome.versions.report);
        if (found.length === 0 || round >= MAX_MERGES)
          return {
            references: { ids, versions, written: written.slice(-KEEP_WRITTEN) },
            answer: answerOfTransaction(response, slots, round),
          };
        // The server already holds this study's resources: from an attempt whose answer was lost,
        // or from before this database was lost or restored. They are merged in one more round, so
        // a doctor's final report there is never overwritten by a re-analysis' preliminary draft.
        ({
          versions,
          overrides,
          doctorWins: keepsDoctorDecision,
        } = await this.merge(report, planned, ids, versions, written, new Set(found)));
        continue;
      } catch (error) {
        if (!(error instanceof FhirException && error.code === FhirErrorCode.VersionConflict) || round >= MAX_MERGES) throw error;
        this.logger.info({ reportId: report.id, round }, 'FHIR version conflict: re-reading and merging');
        ({ versions, overrides, doctorWins: keepsDoctorDecision } = await this.merge(report, planned, ids, versions, written, new Set()));
      }
    }
  }

  /** Re-reads Osteon's resources and decides, per resource, what the next round writes. */
  private async merge(
    report: Report,
    planned: readonly PlannedResource[],
    ids: Partial<Record<Slot, string>>,
    versions: Partial<Record<Slot, string>>,
    written: readonly string[],
    /** Slots a conditional create found on the server: their content is not known to be Osteon's. */
    found: ReadonlySet<Slot>,
  ): Promise<{ versions: Partial<Record<Slot, string>>; overrides: Partial<Record<Slot, R4.FhirResource | null>>; doctorWins: boolean }> {
    const current: Partial<Record<Slot, R4.FhirResource>> = {};
    for (const slot of OWNED_SLOTS) {
      const id = ids[slot];
      if (id) current[slot] = await this.server.read<R4.FhirResource>(typeOf(slot), id);
    }
    const serverReport = current.report as R4.DiagnosticReport | undefined;
    // The server's copy is someone else's when Osteon did not write that version.
    const versionId = serverReport?.meta?.versionId;
    const doctorWins =
      serverReport !== undefined && (versionId === undefined || !written.includes(versionId)) && serverDecisionWins(report, serverReport);
    const nextVersions = { ...versions };
    const overrides: Partial<Record<Slot, R4.FhirResource | null>> = {};
    for (const item of planned) {
      const server = current[item.slot];
      if (!server) continue;
      const changedByOthers = found.has(item.slot) || server.meta?.versionId !== versions[item.slot];
      nextVersions[item.slot] = server.meta?.versionId;
      if (!changedByOthers) continue;
      if (item.slot === 'report')
        overrides.report = mergeDiagnosticReport(item.resource as R4.DiagnosticReport, server as R4.DiagnosticReport, doctorWins);
      else overrides[item.slot] = mergeOwnedResource(item.resource, server, doctorWins) ?? null;
    }
    return { versions: nextVersions, overrides, doctorWins };
  }

  private transactionOf(
    planned: readonly PlannedResource[],
    ids: Partial<Record<Slot, string>>,
    versions: Partial<Record<Slot, string>>,
    overrides: Partial<Record<Slot, R4.FhirResource | null>>,
    ref: (slot: Slot) => string,
  ): { bundle: R4.Bundle; slots: Slot[]; creates: Slot[] } {
    const entry: R4.BundleEntry[] = [];
    const slots: Slot[] = [];
    const creates: Slot[] = [];
    for (const item of planned) {
      const id = OWNED_SLOTS.includes(item.slot) ? ids[item.slot] : undefined;
      const type = item.resource.resourceType;
      if (id && versions[item.slot]) {
        const override = overrides[item.slot];
        if (override === null) continue; // the doctor's copy stays as it is
        const resource = { ...(override ?? item.resource), id } as R4.FhirResource;
        entry.push({
          fullUrl: ref(item.slot),
          resource,
          request: { method: 'PUT', url: `${type}/${id}`, ifMatch: `W/"${versions[item.slot]}"` },
        });
      } else {
        entry.push({
          fullUrl: ref(item.slot),
          resource: item.resource,
          request: { method: 'POST', url: type, ifNoneExist: item.identifierQuery },
        });
        if (OWNED_SLOTS.includes(item.slot)) creates.push(item.slot);
      }
      slots.push(item.slot);
    }
    return { bundle: { resourceType: 'Bundle', type: 'transaction', entry }, slots, creates };
  }

  private readResponse(
    response: R4.Bundle,
    slots: readonly Slot[],
  ): { ids: Partial<Record<Slot, string>>; versions: Partial<Record<Slot, string>>; statuses: Partial<Record<Slot, number>> } {
    if (response.resourceType !== 'Bundle' || (response.entry?.length ?? 0) !== slots.length) {
      throw new FhirException(FhirErrorCode.BadResponse, 'FHIR server answered the transaction without one entry per request');
    }
    const ids: Partial<Record<Slot, string>> = {};
    const versions: Partial<Record<Slot, string>> = {};
    const statuses: Partial<Record<Slot, number>> = {};
    slots.forEach((slot, index) => {
      const entry = response.entry?.[index];
      const location = entry?.response?.location?.match(/([A-Za-z]+)\/([^/]+)(?:\/_history\/([^/]+))?$/);
      const id = entry?.resource?.id ?? location?.[2];
      const version = entry?.resource?.meta?.versionId ?? location?.[3] ?? entry?.response?.etag?.replace(/^W\/"|"$/g, '');
      if (!id) throw new FhirException(FhirErrorCode.BadResponse, `FHIR server returned no id for the ${slot} resource`);
      ids[slot] = id;
      if (version) versions[slot] = version;
      statuses[slot] = Number.parseInt(entry?.response?.status ?? '0', 10);
    });
    return { ids, versions, statuses };
  }

  /** The study's series and instances, as far as the report analysed them. */
  async seriesOf(report: Report): Promise<SeriesInfo[]> {
    const analysed = new Set(report.images.map((image) => image.sopInstanceUid));
    const bySeries = new Map<string, SeriesInfo & { instances: SeriesInfo['instances'][number][] }>();
    const seen = new Set<string>();
    for (const record of await this.instances.findByStudy(report.studyInstanceUid)) {
      if (!analysed.has(record.sopInstanceUid) || seen.has(record.sopInstanceUid)) continue;
      seen.add(record.sopInstanceUid);
      let series = bySeries.get(record.seriesInstanceUid);
      if (!series) {
        series = {
          seriesInstanceUid: record.seriesInstanceUid,
          modality: record.modality,
          bodyPartExamined: record.bodyPartExamined,
          instances: [],
        };
        bySeries.set(record.seriesInstanceUid, series);
      }
      series.instances.push({
        sopInstanceUid: record.sopInstanceUid,
        sopClassUid: record.sopClassUid,
        instanceNumber: record.instanceNumber,
      });
    }
    return [...bySeries.values()];
  }

  private site(): { system: string; patientIdSystem: string } {
    const fhir = this.config.fhir;
    if (!fhir) throw new Error('the FHIR channel is not configured');
    return { system: fhir.system, patientIdSystem: fhir.patientIdSystem };
  }
}
