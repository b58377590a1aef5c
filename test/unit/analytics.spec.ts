import { AnalyticsService, median } from '../../src/analytics/analytics.service';
import type { DatabaseService } from '../../src/database/database.service';
import { ReportAnalyticsRepository } from '../../src/reports/report-analytics.repository';
import { ReportRepository } from '../../src/reports/report.repository';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

const at = (iso: string): Date => new Date(`2026-11-20T${iso}Z`);

/** Hand-made reports: times chosen so every expected figure can be worked out on paper. */
function report(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    studyInstanceUid: `1.2.${Math.random().toString().slice(2, 12)}`,
    status: 'preliminary',
    findings: { fracture: true, probability: 0.8, countClass: '1', bodyPart: 'hand', urgency: 'soon' },
    statusHistory: [],
    reviews: [],
    images: [],
    ...overrides,
  };
}

describe('analytics over reports (storage)', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let analytics: AnalyticsService;

  beforeAll(async () => {
    database = await startTestDatabase();
    process.stdout.write(`analytics storage tests run against ${database.kind}\n`);
    service = await openDatabaseService(database, `analytics_${Date.now()}`);
    analytics = new AnalyticsService(new ReportAnalyticsRepository(new ReportRepository(service)));
    const hand = { fracture: true, probability: 0.9, countClass: '1', bodyPart: 'hand', urgency: 'soon' };
    const hip = { fracture: false, probability: 0.1, countClass: '0', bodyPart: 'hip', urgency: 'routine' };
    const review = (ai: typeof hand, doctorFracture: boolean) => ({
      aiFindings: ai,
      verdict: { fracture: doctorFracture, countClass: doctorFracture ? '1' : '0', bodyPart: ai.bodyPart },
    });
    await service.db.collection('reports').insertMany([
      // A: received 10:00:00, draft 10:00:04, signed 10:10:04 (agreed, hand)
      report({
        createdAt: at('10:00:04'),
        lastReceivedAt: at('10:00:00'),
        preliminaryAt: at('10:00:04'),
        finalAt: at('10:10:04'),
        status: 'final',
        review: review(hand, true),
        statusHistory: [{ status: 'preliminary', at: at('10:00:04') }],
      }),
      // B: received 10:30:00, draft 10:30:02, signed 11:00:02 (disagreed, hand)
      report({
        createdAt: at('10:30:02'),
        lastReceivedAt: at('10:30:00'),
        preliminaryAt: at('10:30:02'),
        finalAt: at('11:00:02'),
        status: 'amended',
        review: review(hand, false),
        statusHistory: [{ status: 'preliminary', at: at('10:30:02') }],
      }),
      // C: received 11:15:00, draft 11:15:06, signed 11:35:06 (agreed, hip)
      report({
        createdAt: at('11:15:06'),
        lastReceivedAt: at('11:15:00'),
        preliminaryAt: at('11:15:06'),
        finalAt: at('11:35:06'),
        status: 'final',
        review: review(hip, false),
        statusHistory: [{ status: 'preliminary', at: at('11:15:06') }],
      }),
      // D: open, assigned to dr-a, received 11:50:00, draft 11:50:08
      report({
        createdAt: at('11:50:08'),
        lastReceivedAt: at('11:50:00'),
        preliminaryAt: at('11:50:08'),
        assignedTo: { id: 'd1', username: 'dr-a', role: 'doctor' },
        statusHistory: [{ status: 'preliminary', at: at('11:50:08') }],
      }),
      // E: open, unassigned, created the next day
      report({
        createdAt: new Date('2026-11-21T08:00:10Z'),
        lastReceivedAt: new Date('2026-11-21T08:00:00Z'),
        preliminaryAt: new Date('2026-11-21T08:00:10Z'),
        statusHistory: [{ status: 'preliminary', at: new Date('2026-11-21T08:00:10Z') }],
      }),
    ]);
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  it('counts reports per day and per hour', async () => {
    expect(await analytics.reportsOverTime('day', {})).toEqual([
      { bucket: '2026-11-20', count: 4 },
      { bucket: '2026-11-21', count: 1 },
    ]);
    expect(await analytics.reportsOverTime('hour', { from: at('00:00:00'), to: new Date('2026-11-21T00:00:00Z') })).toEqual([
      { bucket: '2026-11-20T10:00Z', count: 2 },
      { bucket: '2026-11-20T11:00Z', count: 2 },
    ]);
  });

  it('lists open reports per doctor with the age of the oldest', async () => {
    const rows = await analytics.openReportsPerDoctor(new Date('2026-11-21T08:00:10Z'));
    expect(rows).toEqual(
      expect.arrayContaining([
        { doctor: 'dr-a', open: 1, oldestAgeSeconds: 20 * 3600 + 10 * 60 + 2 },
        { doctor: 'unassigned', open: 1, oldestAgeSeconds: 0 },
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it('gives the median times received → preliminary → final', async () => {
    const result = await analytics.turnaround({ to: new Date('2026-11-21T00:00:00Z') });
    // received→preliminary: 4, 2, 6, 8 s → median 5; preliminary→final: 600, 1800, 1200 s → 1200.
    expect(result).toEqual({
      reports: 4,
      signed: 3,
      medianReceivedToPreliminarySeconds: 5,
      medianPreliminaryToFinalSeconds: 1200,
      medianReceivedToFinalSeconds: 1206,
    });
  });

  it('gives the AI–doctor agreement rate by body part', async () => {
    expect(await analytics.agreement({})).toEqual([
      { bodyPart: 'hand', reviewed: 2, agreed: 1, rate: 0.5 },
      { bodyPart: 'hip', reviewed: 1, agreed: 1, rate: 1 },
    ]);
  });

  it('takes the median of an even and an odd count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});
