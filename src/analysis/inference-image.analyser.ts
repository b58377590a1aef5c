import { Injectable } from '@nestjs/common';
import type { InstanceRecord } from '../dicom/instance-record';
import { ImagingException } from '../imaging/imaging.exception';
import { InferenceErrorCode, InferenceException } from '../inference/inference.exception';
import { InferenceService } from '../inference/inference.service';
import type { FractureBox } from '../inference/fracture-boxes';
import type { FindingRegion, ImageFindings } from '../reports/findings';
import { AnalysisErrorCode, AnalysisException } from './analysis.exception';
import type { ImageAnalyser } from './image-analyser';

const COUNT_ORDER = ['0', '1', '2+'] as const;
const BODY_PART_ORDER = ['hand', 'leg', 'hip', 'shoulder'] as const;

/** Adapts the inference module's findings to what a report stores per image. */
@Injectable()
export class InferenceImageAnalyser implements ImageAnalyser {
  constructor(private readonly inference: InferenceService) {}

  async analyse(record: InstanceRecord): Promise<{ findings: ImageFindings; heatmapPng: Buffer | undefined }> {
    try {
      const result = await this.inference.analyseInstance(record);
      return {
        findings: {
          modelVersion: result.modelVersion,
          fractureProbability: result.fractureProbability,
          fracture: result.fracture,
          threshold: result.threshold,
          countClass: result.countClass,
          countProbabilities: COUNT_ORDER.map((count) => result.countProbabilities[count]),
          bodyPart: result.bodyPart,
          bodyPartSource: result.bodyPartSource,
          bodyPartProbabilities: BODY_PART_ORDER.map((part) => result.bodyPartProbabilities[part]),
          peak: result.heatmap.peak,
          ...(result.boxes?.[0] ? { box: regionOf(result.boxes[0]) } : {}),
        },
        heatmapPng: result.heatmap.png,
      };
    } catch (error) {
      if (error instanceof InferenceException && error.code === InferenceErrorCode.NotApplicable)
        throw new AnalysisException(AnalysisErrorCode.NotApplicable, error.reason);
      // Bad pixel data or a bad model will fail the same way again: the study goes on without this image.
      if ((error instanceof ImagingException || error instanceof InferenceException) && !error.retryable)
        throw new AnalysisException(AnalysisErrorCode.ImageUnreadable, error.message);
      throw error;
    }
  }
}

function regionOf(box: FractureBox): FindingRegion {
  return { x0: box.x1, y0: box.y1, x1: box.x2, y1: box.y2 };
}
