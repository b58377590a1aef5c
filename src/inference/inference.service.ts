import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { InstanceRecord } from '../dicom/instance-record';
import type { GreyPixels } from '../imaging/grey-image';
import { decodeImageFile } from '../imaging/image-file.decoder';
import { ImageService } from '../imaging/image.service';
import type { PrepareTask } from '../imaging/pixel-task';
import type { ByteSource } from '../storage/byte-source';
import { bodyPartFromDicom } from './body-part';
import { boxesOnImage } from './fracture-boxes';
import type { FractureFindings } from './fracture-findings';
import { qualityGateVerdict } from './image-quality.policy';
import { InferenceErrorCode, InferenceException } from './inference.exception';
import { renderHeatmap } from './heatmap.renderer';
import type { BodyPart, CountClass, ModelDescription } from './model-card';
import type { ModelOutputs } from './model-outputs';
import { ModelRepository } from './model.repository';

const logger = moduleLogger('inference');

export interface ImageContext {
  /** Body Part Examined from the DICOM header, when there is one. */
  readonly bodyPartExamined?: string;
  /** Refuse images the quality gate finds no anatomy in (image-quality.policy.ts) before inference. */
  readonly qualityGate?: boolean;
}

/** Runs the fracture model on stored instances and on plain images (upload, evaluation). */
@Injectable()
export class InferenceService {
  constructor(
    private readonly models: ModelRepository,
    private readonly images: ImageService,
  ) {}

  /** The model version loaded and ready to run, without loading one (probes, metrics). */
  get loadedModelVersion(): string | undefined {
    return this.models.loadedVersion;
  }

  describeModel(): Promise<ModelDescription> {
    return this.models.describe();
  }

  /**
   * A received image, for a report: the image-quality gate runs first, and an image without
   * anything the model can read (blank, uniform, noise, not a radiograph) throws NotApplicable
   * instead of getting a finding. Evaluation (analyseDicom/analyseImageFile) is not gated.
   */
  async analyseInstance(record: InstanceRecord): Promise<FractureFindings> {
    return this.images.withStored(record.blobKey, async (source) => {
      const findings = await this.analyseDicom(source, { bodyPartExamined: record.bodyPartExamined, qualityGate: true });
      logger.debug(
        {
          instanceId: record.id,
          sopInstanceUid: record.sopInstanceUid,
          modelVersion: findings.modelVersion,
          totalMs: findings.timingsMs.total,
        },
        'instance analysed',
      );
      return findings;
    });
  }

  /** A Part 10 file; the context's body part wins over the file's own header. */
  async analyseDicom(source: ByteSource, context: ImageContext = {}): Promise<FractureFindings> {
    const started = performance.now();
    const model = await this.models.describe();
    const frame = await this.images.readFrame(source);
    const read = performance.now() - started;
    return this.analyse(
      { kind: 'dicom', frame, size: model.inputSize },
      model,
      { ...context, bodyPartExamined: context.bodyPartExamined ?? frame.bodyPartExamined },
      started,
      read,
    );
  }

  /** A JPEG or PNG, decoded to grey exactly as the model was trained. */
  async analyseImageFile(bytes: Buffer, context: ImageContext = {}): Promise<FractureFindings> {
    const started = performance.now();
    const model = await this.models.describe();
    const image = await decodeImageFile(bytes);
    return this.analyse({ kind: 'grey', image, size: model.inputSize }, model, context, started, performance.now() - started);
  }

  async analyseImage(image: GreyPixels, context: ImageContext = {}): Promise<FractureFindings> {
    const started = performance.now();
    const model = await this.models.describe();
    return this.analyse({ kind: 'grey', image, size: model.inputSize }, model, context, started, 0);
  }

  private async analyse(
    task: PrepareTask,
    model: ModelDescription,
    context: ImageContext,
    started: number,
    read: number,
  ): Promise<FractureFindings> {
    const prepared = await this.images.prepare(task);
    if (context.qualityGate) {
      const verdict = qualityGateVerdict(prepared.quality);
      if (!verdict.applicable) throw new InferenceException(InferenceErrorCode.NotApplicable, verdict.reason);
    }
    const inferenceStarted = performance.now();
    const outputs = await this.models.run(prepared.tensor, 1);
    const inference = performance.now() - inferenceStarted;
    const heatmap = await renderHeatmap(outputs.heatmap.data, outputs.heatmap, prepared, model.heatmapPeak);
    const findings = toFindings(outputs, model, context);
    return {
      ...findings,
      heatmap,
      ...(outputs.boxes ? { boxes: boxesOnImage(outputs.boxes, 0, prepared) } : {}),
      image: { width: prepared.width, height: prepared.height },
      timingsMs: { read, decode: prepared.decodeMs, preprocess: prepared.preprocessMs, inference, total: performance.now() - started },
    };
  }
}

function toFindings(
  outputs: ModelOutputs,
  model: ModelDescription,
  context: ImageContext,
): Omit<FractureFindings, 'heatmap' | 'image' | 'timingsMs'> {
  const fractureProbability = outputs.fracture[0]!;
  const countProbabilities = Object.fromEntries(model.countClasses.map((label, k) => [label, outputs.countProbabilities[k]!])) as Record<
    CountClass,
    number
  >;
  const bodyPartProbabilities = Object.fromEntries(
    model.bodyPartOrder.map((part, k) => [part, outputs.bodyPartProbabilities[k]!]),
  ) as Record<BodyPart, number>;
  const countClass = argmax(model.countClasses, (label) => countProbabilities[label]);
  const modelBodyPart = argmax(model.bodyPartOrder, (part) => bodyPartProbabilities[part]);
  const fromDicom = bodyPartFromDicom(context.bodyPartExamined);
  return {
    modelVersion: model.version,
    fractureProbability,
    fracture: fractureProbability >= model.threshold,
    threshold: model.threshold,
    countClass,
    countProbabilities,
    bodyPart: fromDicom ?? modelBodyPart,
    bodyPartSource: fromDicom ? 'dicom' : 'model',
    modelBodyPart,
    bodyPartProbabilities,
  };
}

function argmax<T>(items: readonly T[], score: (item: T) => number): T {
  return items.reduce((best, item) => (score(item) > score(best) ? item : best));
}
