import type { BodyPart, Urgency } from './findings';
import type { ReportStatus } from './report';

/** Which reports a worklist page shows; every field narrows it. */
export interface WorklistFilter {
  /** One status, or several (the "signed" view: final and amended). */
  readonly status?: ReportStatus | readonly ReportStatus[];
  readonly urgency?: Urgency;
  readonly studyInstanceUid?: string;
  readonly patientId?: string;
  /** The user id the report is assigned to. */
  readonly assignedToId?: string;
  /** The signed verdict's body part, or the AI draft's while unsigned. */
  readonly bodyPart?: BodyPart;
  /** Free text over patient name, patient id and accession number (case-insensitive, a substring). */
  readonly search?: string;
  /** Study date (YYYY-MM-DD) on or after this day. */
  readonly studyFrom?: string;
  /** Study date (YYYY-MM-DD) on or before this day. */
  readonly studyTo?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** `urgency`: most urgent first, oldest first within (the reading order); `newest`: last signed or received first. */
export type WorklistOrder = 'urgency' | 'newest';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The database filter for a worklist page (plain data: the repository hands it to the driver). */
export function worklistQuery(filter: WorklistFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  const and: Array<Record<string, unknown>> = [];
  if (typeof filter.status === 'string') query.status = filter.status;
  else if (filter.status && filter.status.length > 0) query.status = { $in: [...filter.status] };
  if (filter.urgency) query.urgency = filter.urgency;
  if (filter.studyInstanceUid) query.studyInstanceUid = filter.studyInstanceUid;
  if (filter.patientId) query['patient.patientId'] = filter.patientId;
  if (filter.assignedToId) query['assignedTo.id'] = filter.assignedToId;
  if (filter.bodyPart) {
    and.push({
      $or: [
        { 'review.verdict.bodyPart': filter.bodyPart },
        { 'review.verdict.bodyPart': { $exists: false }, 'findings.bodyPart': filter.bodyPart },
      ],
    });
  }
  const search = filter.search?.trim();
  if (search) {
    const pattern = { $regex: escapeRegex(search), $options: 'i' };
    and.push({ $or: [{ 'patient.name': pattern }, { 'patient.patientId': pattern }, { accessionNumber: pattern }] });
  }
  if (filter.studyFrom || filter.studyTo) {
    // The study date the worklist shows (ingest already put the day of receipt there when the images
    // had no StudyDate); reports written before it was kept fall back to the day they were received.
    and.push({
      $or: [
        { studyDate: { ...(filter.studyFrom ? { $gte: filter.studyFrom } : {}), ...(filter.studyTo ? { $lte: filter.studyTo } : {}) } },
        {
          studyDate: { $exists: false },
          firstReceivedAt: {
            ...(filter.studyFrom ? { $gte: new Date(`${filter.studyFrom}T00:00:00Z`) } : {}),
            ...(filter.studyTo ? { $lt: new Date(Date.parse(`${filter.studyTo}T00:00:00Z`) + DAY_MS) } : {}),
          },
        },
      ],
    });
  }
  if (and.length > 0) query.$and = and;
  return query;
}

export function worklistSort(order: WorklistOrder): Record<string, 1 | -1> {
  return order === 'newest' ? { finalAt: -1, firstReceivedAt: -1 } : { urgencyRank: 1, createdAt: 1 };
}
