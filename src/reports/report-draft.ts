import { fillerOrderNumber } from './report-identity';
import type { AnalysedImage, StudyFindings, Urgency } from './findings';
import type { ReportPatient, StatusChange } from './report';
import type { ReportDocument } from './report.repository';
import { studyFindingsOf } from './study-findings';
import { URGENCY_RANK, type UrgencyRules } from './urgency.policy';

export interface StudyAnalysis {
  readonly studyInstanceUid: string;
  readonly accessionNumber: string | undefined;
  readonly patient: ReportPatient;
  readonly images: readonly AnalysedImage[];
  /** An order marked stat or urgent raises the triage urgency; it never lowers it. */
  readonly minimumUrgency?: Urgency;
  readonly firstReceivedAt: Date;
  /** The newest instance this analysis saw: an older analysis never overwrites a newer one. */
  readonly lastReceivedAt: Date;
}

/** The study-level draft of an analysis, raised to the order's urgency when that is higher. */
export function draftFindings(analysis: StudyAnalysis, rules: UrgencyRules): StudyFindings {
  const drafted = studyFindingsOf(analysis.images, rules);
  const minimum = analysis.minimumUrgency;
  return minimum && URGENCY_RANK[minimum] < URGENCY_RANK[drafted.urgency] ? { ...drafted, urgency: minimum } : drafted;
}

export function modelVersionOf(analysis: StudyAnalysis): string {
  return analysis.images[0]?.findings.modelVersion ?? 'unknown';
}

/** The first report of a study: a preliminary AI draft. */
export function newReportDocument(analysis: StudyAnalysis, findings: StudyFindings, now: Date): ReportDocument {
  const drafted: StatusChange = { status: 'preliminary', at: now, by: undefined, reason: 'AI draft' };
  const identity = { studyInstanceUid: analysis.studyInstanceUid, sequence: 1 };
  return {
    ...identity,
    fillerOrderNumber: fillerOrderNumber(identity),
    accessionNumber: analysis.accessionNumber,
    patient: analysis.patient,
    status: 'preliminary',
    urgency: findings.urgency,
    urgencyRank: URGENCY_RANK[findings.urgency],
    modelVersion: modelVersionOf(analysis),
    findings,
    images: analysis.images,
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
