import type { AnalysedImage, StudyFindings, UnanalysedImage, Urgency } from './findings';
import { fillerOrderNumber } from './report-identity';
import type { ReportPatient, StatusChange } from './report';
import type { ReportDocument } from './report.repository';
import { studyFindingsOf } from './study-findings';
import { URGENCY_RANK, type UrgencyRules } from './urgency.policy';

export interface StudyAnalysis {
  readonly studyInstanceUid: string;
  readonly accessionNumber: string | undefined;
  /** YYYY-MM-DD: the images' StudyDate, or the day they arrived. */
  readonly studyDate?: string;
  readonly patient: ReportPatient;
  readonly images: readonly AnalysedImage[];
  /** Images the AI did not score, with why: the study still gets its report. */
  readonly notAnalysed: readonly UnanalysedImage[];
  /** An order marked stat or urgent raises the triage urgency; it never lowers it. */
  readonly minimumUrgency?: Urgency;
  readonly firstReceivedAt: Date;
  /** The newest instance this analysis saw: an older analysis never overwrites a newer one. */
  readonly lastReceivedAt: Date;
}

/** Without an AI finding for every image a doctor must look soon: the AI's "routine" covers only part of the study. */
const UNANALYSED_URGENCY: Urgency = 'soon';

function higher(a: Urgency, b: Urgency | undefined): Urgency {
  return b !== undefined && URGENCY_RANK[b] < URGENCY_RANK[a] ? b : a;
}

/**
 * The study-level draft of an analysis (undefined when the AI read no image), its urgency raised to
 * the order's when that is higher, and to `soon` when any image went without an AI finding.
 */
export function draftFindings(analysis: StudyAnalysis, rules: UrgencyRules): StudyFindings | undefined {
  if (analysis.images.length === 0) return undefined;
  const drafted = studyFindingsOf(analysis.images, rules);
  let urgency = higher(drafted.urgency, analysis.minimumUrgency);
  if (analysis.notAnalysed.length > 0) urgency = higher(urgency, UNANALYSED_URGENCY);
  return urgency === drafted.urgency ? drafted : { ...drafted, urgency };
}

/** The report's triage urgency: the draft's, else the order's, else `soon` (no AI read any image). */
export function draftUrgency(analysis: StudyAnalysis, findings: StudyFindings | undefined): Urgency {
  return findings?.urgency ?? higher(UNANALYSED_URGENCY, analysis.minimumUrgency);
}

export function modelVersionOf(analysis: StudyAnalysis): string {
  return analysis.images[0]?.findings.modelVersion ?? 'unknown';
}

/** The first report of a study: a preliminary AI draft. */
export function newReportDocument(analysis: StudyAnalysis, findings: StudyFindings | undefined, now: Date): ReportDocument {
  const urgency = draftUrgency(analysis, findings);
  const drafted: StatusChange = {
    status: 'preliminary',
    at: now,
    by: undefined,
    reason: findings ? 'AI draft' : 'received: not analysed by AI, to be read by a doctor',
  };
  const identity = { studyInstanceUid: analysis.studyInstanceUid, sequence: 1 };
  return {
    ...identity,
    fillerOrderNumber: fillerOrderNumber(identity),
    accessionNumber: analysis.accessionNumber,
    ...(analysis.studyDate ? { studyDate: analysis.studyDate } : {}),
    patient: analysis.patient,
    status: 'preliminary',
    urgency,
    urgencyRank: URGENCY_RANK[urgency],
    modelVersion: modelVersionOf(analysis),
    findings,
    images: analysis.images,
    notAnalysed: analysis.notAnalysed,
    firstReceivedAt: analysis.firstReceivedAt,
    lastReceivedAt: analysis.lastReceivedAt,
    analysedAt: now,
    preliminaryAt: now,
    finalAt: undefined,
    review: undefined,
    reviews: [],
    statusHistory: [drafted],
    assignedTo: undefined,
    deliveries: {},
    createdAt: now,
    updatedAt: now,
    revision: 0,
    contentVersion: 1,
  };
}
