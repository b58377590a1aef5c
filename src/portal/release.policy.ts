import type { Report } from '../reports/report';

/**
 * What the patient receives for a report's current content:
 * - `report`: the first signed version;
 * - `corrected`: a signed version that replaces an earlier signed one;
 * - `withdrawn`: a notice that a report the patient may have seen was issued in error.
 */
export type PatientDocumentKind = 'report' | 'corrected' | 'withdrawn';

/**
 * The release rule: only what a doctor signed (final or amended) reaches the patient. Every
 * review is a signature, so a second one means an earlier signed version existed and this one
 * corrects it (also after a late image re-opened the report). A preliminary gives nothing;
 * a withdrawal gives a notice only if the report had been signed.
 */
export function patientDocumentKind(report: Pick<Report, 'status' | 'reviews'>): PatientDocumentKind | undefined {
  switch (report.status) {
    case 'preliminary':
      return undefined;
    case 'final':
    case 'amended':
      return report.reviews.length > 1 ? 'corrected' : 'report';
    case 'entered-in-error':
      return report.reviews.length > 0 ? 'withdrawn' : undefined;
  }
}

/** Statuses the portal channel has something to deliver for (its backlog sweep). */
export const DELIVERABLE_STATUSES = ['final', 'amended', 'entered-in-error'] as const;
