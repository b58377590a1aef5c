import { Injectable } from '@nestjs/common';
import type { ImageVerdict } from '../reports/findings';
import type { Report, Review } from '../reports/report';
import type { NewTrainingLabel, TrainingLabel } from './training-label';
import { TrainingLabelRepository } from './training-label.repository';

/**
 * Turns a review into one label per image. A confirmation confirms the AI's per-image calls;
 * an amendment uses the doctor's per-image verdicts where given, else the study verdict
 * applied to every image (marked `study`: weaker, since one view may not show the fracture).
 */
@Injectable()
export class TrainingLabelService {
  constructor(private readonly labels: TrainingLabelRepository) {}

  async recordReview(report: Report, review: Review, imageVerdicts: readonly ImageVerdict[] = []): Promise<void> {
    const byUid = new Map(imageVerdicts.map((verdict) => [verdict.sopInstanceUid, verdict]));
    const labels: NewTrainingLabel[] = report.images.map((image) => {
      const perImage = byUid.get(image.sopInstanceUid);
      const ai = image.findings;
      const label = review.agreed
        ? { fracture: ai.fracture, countClass: ai.fracture ? ai.countClass : ('0' as const), bodyPart: ai.bodyPart }
        : perImage
          ? { fracture: perImage.fracture, countClass: perImage.countClass, bodyPart: perImage.bodyPart }
          : { fracture: review.verdict.fracture, countClass: review.verdict.countClass, bodyPart: review.verdict.bodyPart };
      return {
        imageSha256: image.sha256,
        blobKey: image.blobKey,
        sopInstanceUid: image.sopInstanceUid,
        studyInstanceUid: report.studyInstanceUid,
        reportId: report.id,
        modelVersion: ai.modelVersion,
        ai: { fractureProbability: ai.fractureProbability, fracture: ai.fracture, countClass: ai.countClass, bodyPart: ai.bodyPart },
        label,
        verdict: review.agreed ? 'agreed' : 'amended',
        granularity: review.agreed || perImage ? 'image' : 'study',
        labelledBy: review.by,
        labelledAt: review.at,
        source: review.source,
      };
    });
    await this.labels.append(labels);
  }

  /** Whether the labels of the review signed at `at` on this report were written. */
  async hasLabelsFor(reportId: string, at: Date): Promise<boolean> {
    return this.labels.existsFor(reportId, at);
  }

  async forReport(reportId: string): Promise<TrainingLabel[]> {
    return this.labels.findByReport(reportId);
  }

  async all(since?: Date): Promise<TrainingLabel[]> {
    return this.labels.all(since);
  }

  async count(since?: Date): Promise<number> {
    return this.labels.count(since);
  }

  async list(since: Date | undefined, offset: number, limit: number): Promise<{ items: TrainingLabel[]; total: number }> {
    return this.labels.list(since, offset, limit);
  }
}
