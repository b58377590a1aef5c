import type * as R4 from 'fhir/r4';
import type { DoctorVerdict } from '../reports/findings';
import type { PersonRef, Report } from '../reports/report';
import { bodyPartOfCode, countClassOf, FRACTURE_OF_BONE, NO_ABNORMALITY } from './fhir-codes';
import { serverDecisionWins } from './fhir-conflict.policy';
import { currentVerdict } from './fhir-resources.builder';

export type VerdictAction =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'verdict'; readonly doctor: PersonRef; readonly verdict: DoctorVerdict }
  | { readonly kind: 'withdraw'; readonly doctor: PersonRef; readonly reason: string };

/** The server's current Observations for the report, found through DiagnosticReport.result. */
export interface ServerObservations {
  readonly fracture?: R4.Observation;
  readonly count?: R4.Observation;
  readonly bodySite?: R4.Observation;
}

/**
 * The doctor who changed the report: a resultsInterpreter, else a performer, that Osteon did not
 * write itself (its own reviewer carries an identifier in Osteon's user system); else unknown.
 */
export function doctorOf(server: R4.DiagnosticReport, osteonUserSystem?: string): PersonRef {
  const who = practitionerOf(server, osteonUserSystem);
  const reference = who?.reference ?? (who?.identifier?.value ? `${who.identifier.system ?? ''}|${who.identifier.value}` : undefined);
  if (!who || (!reference && !who.display)) return { id: 'fhir:unknown', username: 'fhir-server', role: 'doctor' };
  return { id: `fhir:${reference ?? who.display}`, username: who.display ?? (reference as string), role: 'doctor' };
}

function practitionerOf(server: R4.DiagnosticReport, osteonUserSystem?: string): R4.Reference | undefined {
  const notOsteons = (reference: R4.Reference): boolean => !osteonUserSystem || reference.identifier?.system !== osteonUserSystem;
  return (server.resultsInterpreter ?? []).filter(notOsteons).at(-1) ?? (server.performer ?? []).filter(notOsteons).at(-1);
}

/**
 * How the server names the doctor who changed the report, as an Osteon doctor account may list it
 * in its external ids: the reference (`Practitioner/123`), the identifier `system|value`, its value.
 */
export function practitionerNamesOf(server: R4.DiagnosticReport, osteonUserSystem?: string): string[] {
  const who = practitionerOf(server, osteonUserSystem);
  if (!who) return osteonReviewerNamesOf(server, osteonUserSystem);
  const identifier = who.identifier?.value
    ? [who.identifier.value, ...(who.identifier.system ? [`${who.identifier.system}|${who.identifier.value}`] : [])]
    : [];
  return [...(who.reference ? [who.reference] : []), ...identifier];
}

/**
 * Osteon's own sign-off read back from the server (after a lost database Osteon no longer knows it
 * wrote it): the account by its id, else by the username Osteon wrote as the display.
 */
function osteonReviewerNamesOf(server: R4.DiagnosticReport, osteonUserSystem?: string): string[] {
  if (!osteonUserSystem) return [];
  const own = (server.resultsInterpreter ?? []).filter((reference) => reference.identifier?.system === osteonUserSystem).at(-1);
  return [own?.identifier?.value, own?.display].filter((name): name is string => name !== undefined && name !== '');
}

function codesOf(concepts: readonly R4.CodeableConcept[] | undefined): string[] {
  return (concepts ?? []).flatMap((concept) => (concept.coding ?? []).map((coding) => coding.code ?? ''));
}

/**
 * The verdict a changed DiagnosticReport carries. Fracture: the conclusionCode (125605004 → yes,
 * 281900007 → no), else the fracture Observation's valueBoolean. Count: the count Observation
 * (2 or more, or comparator ">=", → "2+"). Body part: the body-site Observation's SNOMED code.
 * Anything missing keeps what the report says now; a count contradicting the fracture is fixed.
 */
export function verdictOf(report: Report, server: R4.DiagnosticReport, observations: ServerObservations): DoctorVerdict {
  const now = currentVerdict(report);
  const codes = codesOf(server.conclusionCode);
  const fracture = codes.includes(FRACTURE_OF_BONE.code)
    ? true
    : codes.includes(NO_ABNORMALITY.code)
      ? false
      : (observations.fracture?.valueBoolean ?? now.fracture);
  let countClass = countClassOf(observations.count?.valueQuantity) ?? now.countClass;
  if (!fracture) countClass = '0';
  else if (countClass === '0') countClass = '1';
  const bodyPart = bodyPartOfCode(observations.bodySite?.valueCodeableConcept?.coding?.[0]?.code) ?? now.bodyPart;
  // Osteon's own draft text is not the doctor's conclusion.
  const conclusion = server.conclusion && !server.conclusion.startsWith('AI draft (model') ? server.conclusion : undefined;
  return { fracture, countClass, bodyPart, conclusion };
}

/** What Osteon does with a DiagnosticReport it finds changed on the server. */
export function decideVerdict(
  report: Report,
  server: R4.DiagnosticReport,
  observations: ServerObservations,
  writtenVersions: readonly string[],
  osteonUserSystem?: string,
): VerdictAction {
  if (server.meta?.versionId && writtenVersions.includes(server.meta.versionId)) return { kind: 'ignore', reason: 'written by Osteon' };
  if (report.status === 'entered-in-error') return { kind: 'ignore', reason: 'withdrawn in Osteon' };
  switch (server.status) {
    case 'registered':
    case 'partial':
    case 'preliminary':
    case 'cancelled':
    case 'unknown':
      return { kind: 'ignore', reason: `status ${server.status} is no decision` };
    case 'entered-in-error':
    case 'final':
    case 'amended':
    case 'corrected':
    case 'appended':
      break;
  }
  if (!serverDecisionWins(report, server)) return { kind: 'ignore', reason: 'Osteon holds a newer decision' };
  const doctor = doctorOf(server, osteonUserSystem);
  if (server.status === 'entered-in-error') return { kind: 'withdraw', doctor, reason: 'entered in error on the FHIR server' };
  const verdict = verdictOf(report, server, observations);
  const review = report.review?.verdict;
  const unchanged =
    report.status !== 'preliminary' &&
    review !== undefined &&
    review.fracture === verdict.fracture &&
    review.countClass === verdict.countClass &&
    review.bodyPart === verdict.bodyPart &&
    (verdict.conclusion === undefined || verdict.conclusion === currentVerdict(report).conclusion);
  if (unchanged) return { kind: 'ignore', reason: 'Osteon already holds this verdict' };
  return { kind: 'verdict', doctor, verdict };
}

/** The DiagnosticReports a notification carries: one resource, or a (subscription) Bundle. */
export function reportsIn(body: unknown): R4.DiagnosticReport[] {
  const resource = body as R4.Resource | undefined;
  if (resource?.resourceType === 'DiagnosticReport') return [resource as R4.DiagnosticReport];
  if (resource?.resourceType === 'Bundle') {
    return ((resource as R4.Bundle).entry ?? [])
      .map((entry) => entry.resource)
      .filter((item): item is R4.DiagnosticReport => item?.resourceType === 'DiagnosticReport');
  }
  return [];
}
