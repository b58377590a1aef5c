import { Inject, Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { parseReportKey, reportSequence } from './report-identity';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { DoctorVerdict, ImageVerdict } from './findings';
import { HeatmapRepository } from './heatmap.repository';
import type { DeliveryState, PersonRef, Report, ReportStatus, Review, ReviewSource, StatusChange } from './report';
import { draftFindings, draftUrgency, modelVersionOf, newReportDocument, type StudyAnalysis } from './report-draft';
import { ReportEvents } from './report-events';
import { ReportErrorCode, ReportException } from './report.exception';
import { ReportRepository } from './report.repository';
import type { WorklistFilter, WorklistOrder } from './worklist-query';
import { URGENCY_RANK } from './urgency.policy';

const MAX_RETRIES = 5;

/** The doctor's verdict matches the AI draft; never when there was no draft (no image analysed by AI). */
function agreesWithAi(report: Report, verdict: DoctorVerdict): boolean {
  const ai = report.findings;
  return ai !== undefined && ai.fracture === verdict.fracture && ai.countClass === verdict.countClass && ai.bodyPart === verdict.bodyPart;
}

/**
 * The report's life: the AI draft and its re-analyses, the doctor's verdicts (review API, FHIR,
 * HL7), withdrawal, assignment and delivery bookkeeping. Every change is applied at the revision
 * it was decided on (optimistic concurrency) and announced through ReportEvents.
 */
@Injectable()
export class ReportService {
  private readonly logger = moduleLogger('reports');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportRepository,
    private readonly events: ReportEvents,
    private readonly heatmaps: HeatmapRepository,
  ) {}

  /**
   * Writes the model's draft into the study's one report. A later image re-opens a signed
   * report as preliminary (the doctor signed fewer images than there are now).
   */
  async applyAnalysis(analysis: StudyAnalysis): Promise<Report> {
    const findings = draftFindings(analysis, this.config.workflow);
    const urgency = draftUrgency(analysis, findings);
    const modelVersion = modelVersionOf(analysis);
    const now = new Date();
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const existing = await this.reports.findByStudy(analysis.studyInstanceUid);
      if (!existing) {
        const { report, inserted } = await this.reports.insertIfAbsent(newReportDocument(analysis, findings, now));
        if (!inserted) continue;
        this.events.emitChanged(report, 'created');
        this.logger.info(
          {
            reportId: report.id,
            studyInstanceUid: report.studyInstanceUid,
            urgency: report.urgency,
            modelVersion,
            notAnalysed: report.notAnalysed.length,
          },
          'report created',
        );
        return report;
      }
      if (existing.lastReceivedAt > analysis.lastReceivedAt) return existing;
      const reopen = existing.status !== 'preliminary';
      const updated = await this.reports.reanalyse(existing.id, existing.revision, {
        images: analysis.images,
        notAnalysed: analysis.notAnalysed,
        findings,
        urgency,
        urgencyRank: URGENCY_RANK[urgency],
        modelVersion,
        lastReceivedAt: analysis.lastReceivedAt,
        ...(analysis.studyDate ? { studyDate: analysis.studyDate } : {}),
        analysedAt: now,
        reopened: reopen ? { status: 'preliminary', at: now, by: undefined, reason: 'new image: re-opened for review' } : undefined,
      });
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

  /** The report a receiver names: by its key (study + sequence), or by the database id older messages carried. */
  async findByKey(key: string): Promise<Report | undefined> {
    const parsed = parseReportKey(key);
    if (!parsed) return this.reports.findById(key);
    const report = await this.reports.findByStudy(parsed.studyInstanceUid);
    return report && reportSequence(report) === parsed.sequence ? report : undefined;
  }

  async findByFillerOrderNumber(fillerOrderNumber: string): Promise<Report | undefined> {
    return this.reports.findByFillerOrderNumber(fillerOrderNumber);
  }

  async worklist(
    filter: WorklistFilter,
    offset: number,
    limit: number,
    order?: WorklistOrder,
  ): Promise<{ items: Report[]; total: number }> {
    return this.reports.worklist(filter, offset, limit, order);
  }

  /** Reports with at least one review that changed since `since` (training labels reconcile these). */
  async reviewedSince(since: Date): Promise<Report[]> {
    return this.reports.findReviewedSince(since);
  }

  /** The doctor agrees with the draft: preliminary → final. */
  async confirm(id: string, doctor: PersonRef): Promise<Report> {
    return this.review(id, doctor, (report) => {
      if (report.status !== 'preliminary') {
        throw new ReportException(ReportErrorCode.InvalidTransition, `a ${report.status} report cannot be confirmed; amend it instead`);
      }
      if (!report.findings) {
        throw new ReportException(
          ReportErrorCode.InvalidTransition,
          'no image was analysed by AI: there is no draft to confirm; amend with your verdict',
        );
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
        return { agreed: agreesWithAi(report, verdict), verdict, status: 'amended' };
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
      const updated = await this.reports.withdraw(report.id, report.revision, change);
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
        const agreed = agreesWithAi(report, verdict);
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

  /** Ids of reports changed since `since` that the channel has not received in their current version. */
  async deliveryBacklog(channel: string, statuses: readonly ReportStatus[], since: Date, limit = 100): Promise<string[]> {
    return this.reports.findDeliveryBacklog(channel, statuses, since, limit);
  }

  /** A doctor takes a report from the worklist (open reports per doctor in analytics). */
  async assign(id: string, doctor: PersonRef): Promise<Report> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const report = await this.get(id);
      const updated = await this.reports.assign(report.id, report.revision, doctor);
      if (updated) return updated;
    }
    throw new ReportException(ReportErrorCode.ConcurrentChange, `report ${id} kept changing`);
  }

  /** The doctor gives a taken report back to the worklist; only the doctor who took it may. */
  async release(id: string, doctor: PersonRef): Promise<Report> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const report = await this.get(id);
      if (!report.assignedTo) return report;
      if (report.assignedTo.id !== doctor.id) {
        throw new ReportException(ReportErrorCode.InvalidTransition, 'the report is assigned to another doctor');
      }
      const updated = await this.reports.release(report.id, report.revision);
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
      const updated = await this.reports.saveReview(report.id, report.revision, {
        review,
        change,
        assignedTo: report.assignedTo ?? doctor,
      });
      if (!updated) continue;
      await this.events.emitReviewed({ report: updated, review, imageVerdicts });
      this.events.emitChanged(updated, 'reviewed');
      this.logger.info({ reportId: updated.id, status: updated.status, agreed: review.agreed, doctorId: doctor.id }, 'report reviewed');
      return updated;
    }
    throw new ReportException(ReportErrorCode.ConcurrentChange, `report ${id} kept changing`);
  }
}
