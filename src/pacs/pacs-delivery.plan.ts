import type { Report } from '../reports/report';
import type { InstanceReference } from './sr-content';

/** One Secondary Capture made from one original for one analysis of it. */
export interface PlannedCapture {
  readonly sourceSopInstanceUid: string;
  /** Which analysis the picture shows: a new heat map means a new picture and a new UID. */
  readonly analysisKey: string;
  readonly sopInstanceUid: string;
}

export type ObjectRole = 'secondary-capture' | 'structured-report' | 'rejection-note';

export interface SentObject extends InstanceReference {
  readonly role: ObjectRole;
}

/** What was sent for one content version of the report. */
export interface SentVersion {
  readonly contentVersion: number;
  readonly reportStatus: string;
  readonly sentAt: string;
  readonly objects: readonly SentObject[];
  readonly warnings: readonly string[];
}

export type DeliveryPlan =
  | {
      readonly kind: 'results';
      readonly contentVersion: number;
      readonly captureSeriesInstanceUid: string;
      readonly reportSeriesInstanceUid: string;
      readonly captures: readonly PlannedCapture[];
      readonly reportInstanceUid: string;
      readonly predecessor: InstanceReference | undefined;
    }
  | {
      readonly kind: 'withdrawal';
      readonly contentVersion: number;
      readonly noteSeriesInstanceUid: string;
      readonly noteInstanceUid: string;
      readonly rejected: readonly SentObject[];
    };

/**
 * Kept in `deliveries.pacs.references`. UIDs are planned and recorded before sending, so a
 * retry re-sends the same objects (the PACS keeps one copy) instead of new duplicates.
 * Arrays, not maps keyed by UID: MongoDB field names cannot hold the dots of a UID.
 */
export interface PacsReferences {
  readonly captureSeriesInstanceUid?: string;
  readonly reportSeriesInstanceUid?: string;
  readonly captures?: readonly PlannedCapture[];
  readonly latestReport?: InstanceReference;
  readonly versions?: readonly SentVersion[];
  readonly planned?: DeliveryPlan;
}

export function analysisKeyOf(image: Report['images'][number]): string {
  return `${image.heatmapId ?? 'no-heatmap'}:${image.findings.fractureProbability.toFixed(6)}`;
}

/** Names the UID of one role of the report's results (report-identity.ts derives it from the study). */
export type UidFor = (...role: ReadonlyArray<string | number>) => string;

/**
 * The objects to send for the report's current content (pure: UIDs come from `uidFor`, by role,
 * so the same study gets the same UIDs again even after its records were lost).
 */
export function planDelivery(report: Report, previous: PacsReferences, uidFor: UidFor): DeliveryPlan {
  if (previous.planned && previous.planned.contentVersion === report.contentVersion) return previous.planned;
  if (report.status === 'entered-in-error') {
    const rejected = new Map<string, SentObject>();
    for (const version of previous.versions ?? []) {
      for (const object of version.objects) if (object.role !== 'rejection-note') rejected.set(object.sopInstanceUid, object);
    }
    return {
      kind: 'withdrawal',
      contentVersion: report.contentVersion,
      noteSeriesInstanceUid: uidFor('rejection-series', report.contentVersion),
      noteInstanceUid: uidFor('rejection', report.contentVersion),
      rejected: [...rejected.values()],
    };
  }
  const known = previous.captures ?? [];
  const captures = report.images.map((image): PlannedCapture => {
    const analysisKey = analysisKeyOf(image);
    const same = known.find((capture) => capture.sourceSopInstanceUid === image.sopInstanceUid && capture.analysisKey === analysisKey);
    return (
      same ?? {
        sourceSopInstanceUid: image.sopInstanceUid,
        analysisKey,
        sopInstanceUid: uidFor('capture', image.sopInstanceUid, analysisKey),
      }
    );
  });
  return {
    kind: 'results',
    contentVersion: report.contentVersion,
    captureSeriesInstanceUid: previous.captureSeriesInstanceUid ?? uidFor('capture-series'),
    reportSeriesInstanceUid: previous.reportSeriesInstanceUid ?? uidFor('report-series'),
    captures,
    reportInstanceUid: uidFor('structured-report', report.contentVersion),
    predecessor: previous.latestReport,
  };
}

/** The references after the plan's objects were accepted by the PACS. */
export function referencesAfterDelivery(previous: PacsReferences, plan: DeliveryPlan, sent: SentVersion): PacsReferences {
  const versions = [...(previous.versions ?? []).filter((version) => version.contentVersion !== sent.contentVersion), sent];
  if (plan.kind === 'withdrawal') return { ...previous, versions, planned: undefined };
  const report = sent.objects.find((object) => object.role === 'structured-report');
  const captures = [
    ...(previous.captures ?? []).filter((old) => !plan.captures.some((capture) => capture.sopInstanceUid === old.sopInstanceUid)),
    ...plan.captures,
  ];
  return {
    captureSeriesInstanceUid: plan.captureSeriesInstanceUid,
    reportSeriesInstanceUid: plan.reportSeriesInstanceUid,
    captures,
    latestReport: report
      ? { sopClassUid: report.sopClassUid, sopInstanceUid: report.sopInstanceUid, seriesInstanceUid: report.seriesInstanceUid }
      : previous.latestReport,
    versions,
    planned: undefined,
  };
}
