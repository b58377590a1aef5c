import {
  planDelivery,
  referencesAfterDelivery,
  type DeliveryPlan,
  type PacsReferences,
  type SentObject,
} from '../../src/pacs/pacs-delivery.plan';
import type { AnalysedImage } from '../../src/reports/findings';
import type { Report } from '../../src/reports/report';
import { derivedUid } from '../../src/reports/report-identity';

const newUid = (...role: ReadonlyArray<string | number>): string =>
  derivedUid({ studyInstanceUid: '1.2.826.0.1.3680043.8.498.77' }, ...role);

function image(sopInstanceUid: string, heatmapId: string, probability = 0.8): AnalysedImage {
  return {
    sopInstanceUid,
    instanceId: `i-${sopInstanceUid}`,
    sha256: 'x',
    blobKey: 'k',
    heatmapId,
    findings: {
      modelVersion: 'm1',
      fractureProbability: probability,
      fracture: probability > 0.5,
      threshold: 0.5,
      countClass: '1',
      countProbabilities: [0, 1, 0],
      bodyPart: 'hand',
      bodyPartSource: 'dicom',
      bodyPartProbabilities: [1, 0, 0, 0],
      peak: undefined,
    },
  };
}

function report(contentVersion: number, status: Report['status'], images: AnalysedImage[]): Report {
  return { id: 'r1', contentVersion, status, images } as unknown as Report;
}

function deliver(previous: PacsReferences, plan: DeliveryPlan): PacsReferences {
  const objects: SentObject[] =
    plan.kind === 'results'
      ? [
          ...plan.captures.map((capture) => ({
            role: 'secondary-capture' as const,
            sopClassUid: 'sc',
            sopInstanceUid: capture.sopInstanceUid,
            seriesInstanceUid: plan.captureSeriesInstanceUid,
          })),
          {
            role: 'structured-report',
            sopClassUid: 'sr',
            sopInstanceUid: plan.reportInstanceUid,
            seriesInstanceUid: plan.reportSeriesInstanceUid,
          },
        ]
      : [
          {
            role: 'rejection-note',
            sopClassUid: 'ko',
            sopInstanceUid: plan.noteInstanceUid,
            seriesInstanceUid: plan.noteSeriesInstanceUid,
          },
        ];
  return referencesAfterDelivery(previous, plan, {
    contentVersion: plan.contentVersion,
    reportStatus: 's',
    sentAt: 't',
    objects,
    warnings: [],
  });
}

describe('PACS delivery plan', () => {
  it('re-sends the same UIDs when a version is retried', () => {
    const draft = report(1, 'preliminary', [image('1.1', 'h1')]);
    const first = planDelivery(draft, {}, newUid);
    expect(planDelivery(draft, { planned: first }, newUid)).toBe(first);
  });

  it('sends a new SR naming its predecessor after a review, but keeps the unchanged images', () => {
    const draftPlan = planDelivery(report(1, 'preliminary', [image('1.1', 'h1')]), {}, newUid);
    const afterDraft = deliver({}, draftPlan);
    const reviewPlan = planDelivery(report(2, 'final', [image('1.1', 'h1')]), afterDraft, newUid);
    if (reviewPlan.kind !== 'results' || draftPlan.kind !== 'results') throw new Error('expected results plans');
    expect(reviewPlan.reportInstanceUid).not.toBe(draftPlan.reportInstanceUid);
    expect(reviewPlan.predecessor?.sopInstanceUid).toBe(draftPlan.reportInstanceUid);
    expect(reviewPlan.captures).toEqual(draftPlan.captures);
    expect(reviewPlan.captureSeriesInstanceUid).toBe(draftPlan.captureSeriesInstanceUid);
    expect(reviewPlan.reportSeriesInstanceUid).toBe(draftPlan.reportSeriesInstanceUid);
  });

  it('makes a new capture for an image analysed again, and one for a late image', () => {
    const draftPlan = planDelivery(report(1, 'preliminary', [image('1.1', 'h1')]), {}, newUid);
    const afterDraft = deliver({}, draftPlan);
    const again = planDelivery(report(2, 'preliminary', [image('1.1', 'h2'), image('1.2', 'h3')]), afterDraft, newUid);
    if (again.kind !== 'results' || draftPlan.kind !== 'results') throw new Error('expected results plans');
    expect(again.captures.map((capture) => capture.sopInstanceUid)).not.toContain(draftPlan.captures[0]?.sopInstanceUid);
    expect(again.captures).toHaveLength(2);
  });

  it('rejects every SC and SR ever sent when the report is withdrawn, and records the versions', () => {
    const draftPlan = planDelivery(report(1, 'preliminary', [image('1.1', 'h1')]), {}, newUid);
    const afterDraft = deliver({}, draftPlan);
    const reviewed = deliver(afterDraft, planDelivery(report(2, 'amended', [image('1.1', 'h1')]), afterDraft, newUid));
    const withdrawal = planDelivery(report(3, 'entered-in-error', [image('1.1', 'h1')]), reviewed, newUid);
    if (withdrawal.kind !== 'withdrawal') throw new Error('expected a withdrawal');
    expect(withdrawal.rejected.map((object) => object.role).sort()).toEqual([
      'secondary-capture',
      'structured-report',
      'structured-report',
    ]);
    const after = deliver(reviewed, withdrawal);
    expect(after.versions?.map((version) => version.contentVersion)).toEqual([1, 2, 3]);
    expect(after.planned).toBeUndefined();
  });

  it('derives the same valid DICOM UIDs for the same study again, as after a lost database', () => {
    const draft = report(1, 'preliminary', [image('1.1', 'h1'), image('1.2', 'h2')]);
    const first = planDelivery(draft, {}, newUid);
    const again = planDelivery(draft, {}, newUid);
    expect(again).toEqual(first);
    const uids =
      first.kind === 'results'
        ? [
            first.captureSeriesInstanceUid,
            first.reportSeriesInstanceUid,
            first.reportInstanceUid,
            ...first.captures.map((c) => c.sopInstanceUid),
          ]
        : [];
    expect(new Set(uids).size).toBe(5);
    for (const uid of uids) expect(uid).toMatch(/^2\.25\.(0|[1-9]\d{0,38})$/);
  });
});
