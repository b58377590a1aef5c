import { Inject, Injectable } from '@nestjs/common';
import type * as R4 from 'fhir/r4';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../auth/users.service';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { Report } from '../reports/report';
import { ReportService } from '../reports/report.service';
import { osteonSystem } from './fhir-codes';
import { fhirReferencesOf } from './fhir-delivery.service';
import { FhirServerClient } from './fhir-server.client';
import { FhirSyncStateRepository } from './fhir-sync-state.repository';
import { decideVerdict, practitionerNamesOf, reportsIn, type ServerObservations, type VerdictAction } from './fhir-verdict';
import { FhirErrorCode, FhirException } from './fhir.exception';

export interface NotificationResult {
  readonly id: string | undefined;
  readonly action: VerdictAction['kind'];
  readonly reason?: string;
}

const POLL_STATE = 'diagnostic-report-poll';
const PAGE = 100;

/**
 * Pulls doctors' decisions back: the scheduled poll (DiagnosticReports with Osteon's identifier
 * system changed since the high-water mark) and the rest-hook notify endpoint both end here.
 */
@Injectable()
export class FhirVerdictService {
  private readonly logger = moduleLogger('fhir');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly server: FhirServerClient,
    private readonly state: FhirSyncStateRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  /** One poll: every changed report since the mark, oldest first; returns how many were applied. */
  async poll(): Promise<number> {
    const system = osteonSystem(this.settings().system, 'report');
    let applied = 0;
    for (let page = 0; page < 50; page += 1) {
      const since = await this.state.highWaterMark(POLL_STATE);
      const params: Record<string, string> = { identifier: `${system}|`, _sort: '_lastUpdated', _count: String(PAGE) };
      if (since) params._lastUpdated = `gt${since}`;
      const bundle = await this.server.search('DiagnosticReport', params);
      const found = (bundle.entry ?? [])
        .map((entry) => entry.resource)
        .filter((resource): resource is R4.DiagnosticReport => resource?.resourceType === 'DiagnosticReport');
      for (const report of found) {
        if ((await this.process(report)).kind !== 'ignore') applied += 1;
        if (report.meta?.lastUpdated) await this.state.advance(POLL_STATE, report.meta.lastUpdated);
      }
      if (found.length < PAGE) break;
    }
    return applied;
  }

  /** A rest-hook notification: each DiagnosticReport it names is re-read and processed. */
  async notification(body: unknown): Promise<NotificationResult[]> {
    if (!this.config.fhir) throw new FhirException(FhirErrorCode.NotConfigured, 'the FHIR channel is not configured (OSTEON_FHIR_URL)');
    const reports = reportsIn(body);
    if (reports.length === 0)
      throw new FhirException(FhirErrorCode.InvalidRequest, 'expected a DiagnosticReport or a Bundle with DiagnosticReports');
    const processed: NotificationResult[] = [];
    for (const report of reports) {
      const action = await this.notified(report);
      processed.push({ id: report.id, action: action.kind, ...(action.kind === 'ignore' ? { reason: action.reason } : {}) });
    }
    return processed;
  }

  /** A pushed DiagnosticReport (or only its id): the server's current copy is what counts. */
  async notified(resource: R4.DiagnosticReport): Promise<VerdictAction> {
    // Only the configured server's copy counts: a pushed body is never taken as it is.
    if (!resource.id) return { kind: 'ignore', reason: 'no id to read the report from the FHIR server' };
    return this.process(await this.server.read<R4.DiagnosticReport>('DiagnosticReport', resource.id));
  }

  async process(server: R4.DiagnosticReport): Promise<VerdictAction> {
    const system = osteonSystem(this.settings().system, 'report');
    const key = server.identifier?.find((identifier) => identifier.system === system)?.value;
    if (!key) return { kind: 'ignore', reason: 'not an Osteon report' };
    const report = await this.reports.findByKey(key);
    if (!report) return { kind: 'ignore', reason: 'unknown report' };
    const { written } = fhirReferencesOf(report);
    const userSystem = osteonSystem(this.settings().system, 'user');
    const quick = decideVerdict(report, server, {}, written, userSystem);
    if (quick.kind !== 'verdict') return this.apply(report, server, await this.signedByDoctor(report, server, quick, userSystem));
    const action = decideVerdict(report, server, await this.observationsOf(server), written, userSystem);
    return this.apply(report, server, await this.signedByDoctor(report, server, action, userSystem));
  }

  /**
   * A verdict or withdrawal counts only when its practitioner is an active Osteon doctor account
   * (by an external id such as `Practitioner/123`, or the username); it is then recorded as that
   * account. Otherwise nothing changes and the refusal is audited.
   */
  private async signedByDoctor(
    report: Report,
    server: R4.DiagnosticReport,
    action: VerdictAction,
    userSystem: string,
  ): Promise<VerdictAction> {
    if (action.kind === 'ignore') return action;
    const names = practitionerNamesOf(server, userSystem);
    const doctor = await this.users.findDoctor(names);
    if (doctor) return { ...action, doctor: { id: doctor.id, username: doctor.username, role: 'doctor', displayName: doctor.displayName } };
    const reason =
      names.length === 0 ? 'the change names no practitioner' : `practitioner ${names[0]} is not an active doctor account in Osteon`;
    await this.audit.record({
      actor: { id: `fhir:${names[0] ?? 'unknown'}`, username: names[0] ?? 'fhir-server', role: 'system' },
      action: action.kind === 'verdict' ? 'fhir.verdict.refused' : 'fhir.withdrawal.refused',
      resourceType: 'report',
      resourceId: report.id,
      details: { reason, diagnosticReportId: server.id, versionId: server.meta?.versionId },
    });
    this.logger.warn({ reportId: report.id, diagnosticReportId: server.id }, 'FHIR change refused: no Osteon doctor signed it');
    return { kind: 'ignore', reason };
  }

  private async apply(report: Report, server: R4.DiagnosticReport, action: VerdictAction): Promise<VerdictAction> {
    const log = { reportId: report.id, diagnosticReportId: server.id, versionId: server.meta?.versionId, serverStatus: server.status };
    switch (action.kind) {
      case 'ignore':
        this.logger.debug({ ...log, reason: action.reason }, 'FHIR change ignored');
        return action;
      case 'withdraw':
        await this.reports.withdraw(report.id, action.doctor, action.reason, 'fhir');
        this.logger.info({ ...log, doctorId: action.doctor.id }, 'report withdrawn from the FHIR server');
        return action;
      case 'verdict': {
        const updated = await this.reports.applyExternalVerdict(report.id, action.doctor, action.verdict, 'fhir');
        this.logger.info(
          { ...log, doctorId: action.doctor.id, status: updated.status, agreed: updated.review?.agreed },
          'doctor verdict taken from the FHIR server',
        );
        return action;
      }
    }
  }

  private async observationsOf(server: R4.DiagnosticReport): Promise<ServerObservations> {
    const found: { fracture?: R4.Observation; count?: R4.Observation; bodySite?: R4.Observation } = {};
    const observationSystem = osteonSystem(this.settings().system, 'observation');
    for (const result of server.result ?? []) {
      const id = result.reference?.match(/^Observation\/([^/]+)/)?.[1];
      if (!id) continue;
      const observation = await this.server.read<R4.Observation>('Observation', id);
      const value = observation.identifier?.find((identifier) => identifier.system === observationSystem)?.value ?? '';
      if (value.endsWith('-fracture')) found.fracture = observation;
      else if (value.endsWith('-count')) found.count = observation;
      else if (value.endsWith('-body-site')) found.bodySite = observation;
    }
    return found;
  }

  private settings(): NonNullable<AppConfig['fhir']> {
    if (!this.config.fhir) throw new FhirException(FhirErrorCode.NotConfigured, 'the FHIR channel is not configured');
    return this.config.fhir;
  }
}
