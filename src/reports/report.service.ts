import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { UpdateFilter } from 'mongodb';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { TrainingLabelService, type ImageVerdict } from '../training-labels/training-label.service';
import type { AnalysedImage, DoctorVerdict, Urgency } from './findings';
import type { DeliveryState, PersonRef, Report, ReportPatient, ReportStatus, Review, ReviewSource, StatusChange } from './report';
import { HeatmapRepository } from './heatmap.repository';
import { ReportEvents } from './report-events';
import { ReportErrorCode, ReportException } from './report.exception';
import { ReportRepository, type ReportDocument, type WorklistFilter } from './report.repository';
import { studyFindingsOf } from './study-findings';
import { URGENCY_RANK } from './urgency.policy';

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

const MAX_RETRIES = 5;

const LABEL_RECONCILE_WINDOW_MS = 7 * 24 * 3600 * 1000;

@Injectable()
export class ReportService implements OnApplicationBootstrap {
  private readonly logger = moduleLogger('reports');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportRepository,
    private readonly labels: TrainingLabelService,
    private readonly events: ReportEvents,
    private readonly heatmaps: HeatmapRepository,
  ) {}

  /**
   * Writes the model's draft into the study's one report. A later image re-opens a signed
   * report as preliminary (the doctor signed fewer images than there are now).
   */
  async applyAnalysis(analysis: StudyAnalysis): Promise<Report> {
    const drafted = studyFindingsOf(analysis.images, this.config.workflow);
    const minimum = analysis.minimumUrgency;
    const findings = minimum && URGENCY_RANK[minimum] < URGENCY_RANK[drafted.urgency] ? { ...drafted, urgency: minimum } : drafted;
    const modelVersion = analysis.images[0]?.findings.modelVersion ?? 'unknown';
    const now = new Date();
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const existing = await this.reports.findByStudy(analysis.studyInstanceUid);
      if (!existing) {
        const document: ReportDocument = {
          studyInstanceUid: analysis.studyInstanceUid,
          accessionNumber: analysis.accessionNumber,
          patient: analysis.patient,
          status: 'preliminary',
          urgency: findings.urgency,
          urgencyRank: URGENCY_RANK[findings.urgency],
          modelVersion,
          findings,
          images: analysis.images,
          firstReceivedAt: analysis.firstReceivedAt,
          lastReceivedAt: analysis.lastReceivedAt,
          analysedAt: now,
          preliminaryAt: now,
          finalAt: undefined,
          review: undefined,
          reviews: [],
          statusHistory: [{ status: 'preliminary', at: now, by: undefined, reason: 'AI draft' }],
          assignedTo: undefined,
          deliveries: {},
          createdAt: now,
          updatedAt: now,
          revision: 0,
          contentVersion: 1,
        };
        const { report, inserted } = await this.reports.insertIfAbsent(document);
        if (inserted) {
          this.events.emitChanged(report, 'created');
          this.logger.info(
            { reportId: report.id, studyInstanceUid: report.studyInstanceUid, urgency: report.urgency, modelVersion },
            'report created',
          );
          return report;
        }
        continue;
      }
      if (existing.lastReceivedAt > analysis.lastReceivedAt) return existing;
      const reopen = existing.status !== 'preliminary';
      const set: Partial<ReportDocument> = {
        images: analysis.images,
        findings,
        urgency: findings.urgency,
        urgencyRank: URGENCY_RANK[findings.urgency],
        modelVersion,
        lastReceivedAt: analysis.lastReceivedAt,
        analysedAt: now,
        ...(reopen ? { status: 'preliminary' as ReportStatus, preliminaryAt: now } : {}),
      };
      const update: UpdateFilter<ReportDocument> = { $set: set, $inc: { contentVersion: 1 } };
      if (reopen) {
        update.$push = { statusHistory: { status: 'preliminary', at: now, by: undefined, reason: 'new image: re-opened for review' } };
        update.$unset = { review: '', finalAt: '' };
      }
      const updated = await this.reports.updateAtRevision(existing.id, existing.revision, update);
      if (updated) {
        this.events.emitChanged(updated, 'reanalysed');
        this.logger.info(
          { reportId: updated.id, studyInstanceUid: updated.studyInstanceUid, images: analysis.images.length, reopened: reopen },
          'report updated by re-analysis',
        );
        return updated;
      }
    }
    throw new ReportException(ReportErrorCode.ConcurrentChange, `report for study ${analysis.studyInstanceUid} kept changing`);
  }

  async get(id: string): Promise<Report> {
    const report = await this.reports.findById(id);
    if (!report) throw new ReportException(ReportErrorCode.NotFound, `report ${id} not found`);
    return report;
  }

  /** A heat map PNG of one of the report's images. */
  async heatmap(id: string, heatmapId: string): Promise<Buffer> {
    const report = await this.get(id);
    if (!report.images.some((image) => image.heatmapId === heatmapId)) {
      throw new ReportException(ReportErrorCode.HeatmapNotFound, 'heat map not part of this report');
    }
    const png = await this.heatmaps.find(heatmapId);
    if (!png) throw new ReportException(ReportErrorCode.HeatmapNotFound, 'heat map not found');
    return png;
  }

  async findByStudy(studyInstanceUid: string): Promise<Report | undefined> {
    return this.reports.findByStudy(studyInstanceUid);
  }

  async worklist(filter: WorklistFilter, offset: number, limit: number): Promise<{ items: Report[]; total: number }> {
    return this.reports.worklist(filter, offset, limit);
  }

  /**
   * A review is saved in the report first and its labels written right after: a crash in
   * between would lose them, so at start-up every recent review without labels gets them
   * (per-image verdicts of such a review are not kept, so its labels are study-level).
   */
  async onApplicationBootstrap(): Promise<void> {
    const restored = await this.reconcileLabels(new Date(Date.now() - LABEL_RECONCILE_WINDOW_MS));
    if (restored > 0) this.logger.warn({ restored }, 'training labels of reviews interrupted by a crash were written');
  }

  async reconcileLabels(since: Date): Promise<number> {
    let restored = 0;
    for (const report of await this.reports.findReviewedSince(since)) {
      for (const review of report.reviews) {
        if (await this.labels.hasLabelsFor(report.id, review.at)) continue;
        await this.labels.recordReview(report, review);
        restored += 1;
      }
    }
    return restored;
  }

  /** The doctor agrees with the draft: preliminary → final. */
  async confirm(id: string, doctor: PersonRef): Promise<Report> {
    return this.review(id, doctor, (report) => {
      if (report.status !== 'preliminary') {
        throw new ReportException(ReportErrorCode.InvalidTransition, `a ${report.status} report cannot be confirmed; amend it instead`);
      }
      const { fracture, countClass, bodyPart } = report.findings;
      return { agreed: true, verdict: { fracture, countClass, bodyPart, conclusion: undefined }, status: 'final' };
    });
  }

  /** The doctor corrects the draft (or a signed report): → amended, the AI's view kept beside. */
  async amend(id: string, doctor: PersonRef, verdict: DoctorVerdict, imageVerdicts: readonly ImageVerdict[] = []): Promise<Report> {
    return this.review(
      id,
      doctor,
      (report) => {
        if (report.status === 'entered-in-error') {
          throw new ReportException(ReportErrorCode.InvalidTransition, 'a withdrawn report cannot be amended');
        }
        const ai = report.findings;
        const agreed = ai.fracture === verdict.fracture && ai.countClass === verdict.countClass && ai.bodyPart === verdict.bodyPart;
        return { agreed, verdict, status: 'amended' };
      },
      imageVerdicts,
    );
  }

  /** Withdraws a report issued in error. */
  async withdraw(id: string, by: PersonRef, reason: string, source: ReviewSource = 'review-api'): Promise<Report> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const report = await this.get(id);
      if (report.status === 'entered-in-error') throw new ReportException(ReportErrorCode.InvalidTransition, 'report is already withdrawn');
      const now = new Date();
      const change: StatusChange = {
        status: 'entered-in-error',
        at: now,
        by,
        reason: source === 'review-api' ? reason : `${reason} (via ${source})`,
      };
      const updated = await this.reports.updateAtRevision(report.id, report.revision, {
        $set: { status: 'entered-in-error' },
        $push: { statusHistory: change },
        $inc: { contentVersion: 1 },
      });
      if (updated) {
        this.events.emitChanged(updated, 'withdrawn');
        return updated;
      }
    }
    throw new ReportException(ReportErrorCode.ConcurrentChange, `report ${id} kept changing`);
  }

  /**
   * A doctor's verdict that arrived through the FHIR server or the RIS: the same transitions
   * and training labels as the review API, with the channel recorded as the source. `agreed`
   * verdicts confirm a preliminary; anything else amends.
   */
  async applyExternalVerdict(
    id: string,
    doctor: PersonRef,
    verdict: DoctorVerdict,
    source: Exclude<ReviewSource, 'review-api'>,
  ): Promise<Report> {
    return this.review(
      id,
      doctor,
      (report) => {
        if (report.status === 'entered-in-error') {
          throw new ReportException(ReportErrorCode.InvalidTransition, 'a withdrawn report cannot take a verdict');
        }
        const ai = report.findings;
        const agreed = ai.fracture === verdict.fracture && ai.countClass === verdict.countClass && ai.bodyPart === verdict.bodyPart;
        const status: ReportStatus = agreed && report.status === 'preliminary' ? 'final' : 'amended';
        return { agreed, verdict, status };
      },
      [],
      source,
    );
  }

  /** Records a channel's delivery state (no content change: does not re-trigger deliveries). */
  async recordDelivery(id: string, channel: string, state: DeliveryState): Promise<Report> {
    const updated = await this.reports.setDelivery(id, channel, state);
    if (!updated) throw new ReportException(ReportErrorCode.NotFound, `report ${id} not found`);
    return updated;
  }

  /** Reports a channel still has to deliver (content newer than what it delivered). */
  async deliveryBacklog(channel: string, statuses: readonly ReportStatus[], limit = 100): Promise<Report[]> {
    return this.reports.findDeliveryBacklog(channel, statuses, limit);
  }

  /** A doctor takes a report from the worklist (open reports per doctor in analytics). */
  async assign(id: string, doctor: PersonRef): Promise<Report> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const report = await this.get(id);
      const updated = await this.reports.updateAtRevision(report.id, report.revision, { $set: { assignedTo: doctor } });
      if (updated) return updated;
    }
    throw new ReportException(ReportErrorCode.ConcurrentChange, `report ${id} kept changing`);
  }

  private async review(
    id: string,
    doctor: PersonRef,
    decide: (report: Report) => { agreed: boolean; verdict: DoctorVerdict; status: ReportStatus },
    imageVerdicts: readonly ImageVerdict[] = [],
    source: ReviewSource = 'review-api',
  ): Promise<Report> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const report = await this.get(id);
      const decision = decide(report);
      const now = new Date();
      const review: Review = {
        by: doctor,
        at: now,
        agreed: decision.agreed,
        verdict: decision.verdict,
        aiFindings: report.findings,
        modelVersion: report.modelVersion,
        source,
      };
      const change: StatusChange = { status: decision.status, at: now, by: doctor, reason: decision.agreed ? 'confirmed' : 'amended' };
      const updated = await this.reports.updateAtRevision(report.id, report.revision, {
        $set: { status: decision.status, review, finalAt: now, assignedTo: report.assignedTo ?? doctor },
        $push: { reviews: review, statusHistory: change },
        $inc: { contentVersion: 1 },
      });
      if (!updated) continue;
      await this.labels.recordReview(updated, review, imageVerdicts);
      this.events.emitChanged(updated, 'reviewed');
      this.logger.info({ reportId: updated.id, status: updated.status, agreed: review.agreed, doctorId: doctor.id }, 'report reviewed');
      return updated;
    }
    throw new ReportException(ReportErrorCode.ConcurrentChange, `report ${id} kept changing`);
  }
}
