import type * as R4 from 'fhir/r4';
import type { Report } from '../reports/report';

/** DiagnosticReport fields a doctor decides; everything else on the report is Osteon's. */
export const DOCTOR_OWNED_FIELDS = ['status', 'conclusion', 'conclusionCode', 'resultsInterpreter', 'performer', 'presentedForm'] as const;

const DECISION_STATUSES: ReadonlySet<string> = new Set(['final', 'amended', 'corrected', 'appended', 'entered-in-error']);

/** When a doctor (or a withdrawal) last decided about the report inside Osteon; undefined if never. */
export function osteonDecisionAt(report: Report): Date | undefined {
  const decisions = report.statusHistory.filter((change) => change.by !== undefined && change.status !== 'preliminary');
  return decisions.at(-1)?.at;
}

function lastUpdated(resource: R4.Resource): Date | undefined {
  const value = resource.meta?.lastUpdated;
  return value ? new Date(value) : undefined;
}

/**
 * The conflict rule: the newest decision wins. The server's copy is a decision when its status is
 * final/amended/corrected/appended/entered-in-error; it wins when Osteon has no doctor decision made
 * after the server's change. Otherwise Osteon's current content (a later sign-off in Osteon, a
 * re-analysis of a still-preliminary report) goes to the server.
 */
export function serverDecisionWins(report: Report, server: R4.DiagnosticReport): boolean {
  if (!DECISION_STATUSES.has(server.status)) return false;
  const serverAt = lastUpdated(server);
  const osteonAt = osteonDecisionAt(report);
  if (!osteonAt) return true;
  return serverAt !== undefined && serverAt > osteonAt;
}

/**
 * Merges after a 412: fields Osteon does not write (an EHR's extensions, a presentedForm) are kept
 * from the server; Osteon's fields are written, except the doctor-owned ones when the server's
 * decision wins (they stay as the doctor left them until the poll brings them into Osteon).
 */
export function mergeDiagnosticReport(ours: R4.DiagnosticReport, server: R4.DiagnosticReport, doctorWins: boolean): R4.DiagnosticReport {
  const merged: R4.DiagnosticReport = { ...server, ...ours, id: server.id, meta: { ...server.meta, ...ours.meta } };
  if (doctorWins) {
    const target = merged as unknown as Record<string, unknown>;
    const source = server as unknown as Record<string, unknown>;
    for (const field of DOCTOR_OWNED_FIELDS) {
      if (source[field] === undefined) delete target[field];
      else target[field] = source[field];
    }
  }
  return merged;
}

/** Osteon's own fields over the server's extras; the server copy stays whole when the doctor wins. */
export function mergeOwnedResource<T extends R4.FhirResource>(ours: T, server: T, doctorWins: boolean): T | undefined {
  if (doctorWins) return undefined;
  return { ...server, ...ours, id: server.id, meta: { ...server.meta, ...ours.meta } };
}
