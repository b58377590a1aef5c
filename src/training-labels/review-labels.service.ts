import { Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { ReportEvents, type ReportReviewed } from '../reports/report-events';
import { ReportService } from '../reports/report.service';
import { TrainingLabelService } from './training-label.service';

const RECONCILE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/**
 * Every doctor's verdict becomes training labels: written when ReportService announces a review
 * (reports/ does not know this module). A review is saved in the report first and its labels right
 * after, so a crash in between would lose them: at start-up every recent review without labels gets
 * them (per-image verdicts of such a review are not kept, so its labels are study-level).
 */
@Injectable()
export class ReviewLabelsService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = moduleLogger('training-labels');

  constructor(
    private readonly events: ReportEvents,
    private readonly reports: ReportService,
    private readonly labels: TrainingLabelService,
  ) {}

  onModuleInit(): void {
    this.events.onReviewed((event) => this.reviewed(event));
  }

  async onApplicationBootstrap(): Promise<void> {
    const restored = await this.reconcileLabels(new Date(Date.now() - RECONCILE_WINDOW_MS));
    if (restored > 0) this.logger.warn({ restored }, 'training labels of reviews interrupted by a crash were written');
  }

  async reviewed({ report, review, imageVerdicts }: ReportReviewed): Promise<void> {
    await this.labels.recordReview(report, review, imageVerdicts);
  }

  /** Writes the labels of reviews since `since` that have none; returns how many reviews it labelled. */
  async reconcileLabels(since: Date): Promise<number> {
    let restored = 0;
    for (const report of await this.reports.reviewedSince(since)) {
      for (const review of report.reviews) {
        if (await this.labels.hasLabelsFor(report.id, review.at)) continue;
        await this.labels.recordReview(report, review);
        restored += 1;
      }
    }
    return restored;
  }
}
