import type { AppConfig } from '../../src/config/app-config';
import type { DatabaseService } from '../../src/database/database.service';
import { HeatmapRepository } from '../../src/reports/heatmap.repository';
import { ReportEvents } from '../../src/reports/report-events';
import { ReportRepository } from '../../src/reports/report.repository';
import { ReportService } from '../../src/reports/report.service';
import { ReviewLabelsService } from '../../src/training-labels/review-labels.service';
import { TrainingLabelRepository } from '../../src/training-labels/training-label.repository';
import { TrainingLabelService } from '../../src/training-labels/training-label.service';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

const findings = {
  modelVersion: '1.0.0',
  fractureProbability: 0.8,
  fracture: true,
  threshold: 0.2,
  countClass: '1',
  countProbabilities: [0.1, 0.8, 0.1],
  bodyPart: 'hand',
  bodyPartSource: 'dicom',
  bodyPartProbabilities: [1, 0, 0, 0],
  peak: undefined,
};
const image = (uid: string) => ({
  sopInstanceUid: uid,
  instanceId: 'i',
  sha256: uid.padEnd(64, '0'),
  blobKey: 'k',
  findings,
  heatmapId: undefined,
});

describe('training labels of a review interrupted by a crash (storage)', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let reviews: ReviewLabelsService;
  let labels: TrainingLabelService;

  beforeAll(async () => {
    database = await startTestDatabase();
    service = await openDatabaseService(database, `labels_${Date.now()}`);
    labels = new TrainingLabelService(new TrainingLabelRepository(service));
    const events = new ReportEvents();
    reviews = new ReviewLabelsService(
      events,
      new ReportService({} as AppConfig, new ReportRepository(service), events, new HeatmapRepository(service)),
      labels,
    );
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  it('writes the missing labels of a saved review once, at start-up', async () => {
    const at = new Date('2026-11-20T10:00:00Z');
    const review = {
      by: { id: 'd1', username: 'dr-a', role: 'doctor' },
      at,
      agreed: false,
      verdict: { fracture: false, countClass: '0', bodyPart: 'hand' },
      aiFindings: { fracture: true, probability: 0.8, countClass: '1', bodyPart: 'hand', urgency: 'soon' },
      modelVersion: '1.0.0',
      source: 'review-api',
    };
    const { insertedId } = await service.db.collection('reports').insertOne({
      studyInstanceUid: '1.2.3',
      status: 'amended',
      images: [image('1'), image('2')],
      reviews: [review],
      review,
      updatedAt: new Date(),
    });
    const reportId = insertedId.toHexString();
    expect(await reviews.reconcileLabels(new Date(0))).toBe(1);
    const written = await labels.forReport(reportId);
    expect(written.map((label) => [label.sopInstanceUid, label.label.fracture, label.verdict, label.labelledAt.toISOString()])).toEqual([
      ['1', false, 'amended', at.toISOString()],
      ['2', false, 'amended', at.toISOString()],
    ]);
    expect(await reviews.reconcileLabels(new Date(0))).toBe(0);
    expect(await labels.forReport(reportId)).toHaveLength(2);
  });
});
