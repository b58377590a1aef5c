import type { Report } from '../../src/reports/report';

/**
 * A preliminary AI draft with every Report field set; each suite overrides what it is about
 * (patient names, status, reviews, ...), so its expectations stay next to its own values.
 */
export function draftReport(overrides: Partial<Report> = {}): Report {
  const at = new Date('2026-11-20T10:00:00Z');
  return {
    id: '6650a1b2c3d4e5f601234567',
    studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
    accessionNumber: 'ACC-1',
    patient: { patientId: 'MRN-1', name: 'DOE^JANE', birthDate: '19800203', sex: 'F' },
    status: 'preliminary',
    urgency: 'soon',
    urgencyRank: 1,
    modelVersion: 'fracture-test-1',
    findings: { fracture: true, probability: 0.91, countClass: '1', bodyPart: 'hand', urgency: 'soon' },
    images: [],
    notAnalysed: [],
    firstReceivedAt: at,
    lastReceivedAt: at,
    analysedAt: at,
    preliminaryAt: at,
    finalAt: undefined,
    review: undefined,
    reviews: [],
    statusHistory: [{ status: 'preliminary', at, by: undefined, reason: 'AI draft' }],
    assignedTo: undefined,
    deliveries: {},
    createdAt: at,
    updatedAt: at,
    revision: 0,
    contentVersion: 1,
    ...overrides,
  };
}
