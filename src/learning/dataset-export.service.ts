import { createHash } from 'node:crypto';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { greyPng } from '../imaging/grey-png';
import { ImageService } from '../imaging/image.service';
import type { TrainingLabel } from '../training-labels/training-label';
import { TrainingLabelService } from '../training-labels/training-label.service';
import { effectiveLabels, splitHoldout } from './effective-labels';
import { LearningFilesRepository } from './learning-files.repository';

const CSV_HEADER = 'image_id,hand,leg,hip,shoulder,mixed,hardware,multiscan,fractured,fracture_count,frontal,lateral,oblique';
const BODY_PARTS = ['hand', 'leg', 'hip', 'shoulder'] as const;

export interface ExportResult {
  readonly dir: string;
  readonly images: number;
  readonly holdoutDir: string | undefined;
  readonly holdoutImages: number;
}

/** The de-identified file name: a hash of the content hash, so it links back only by hash. */
export function exportedImageId(imageSha256: string): string {
  return `osteon-${createHash('sha256').update(`osteon-export:${imageSha256}`).digest('hex').slice(0, 24)}.png`;
}

function csvRow(label: TrainingLabel): string {
  const parts = BODY_PARTS.map((part) => (label.label.bodyPart === part ? '1' : '0'));
  const count = label.label.countClass === '2+' ? '2' : label.label.countClass;
  // FracAtlas columns; Osteon does not know hardware, multiscan or view: 0 (unknown).
  return [exportedImageId(label.imageSha256), ...parts, '0', '0', '0', label.label.fracture ? '1' : '0', count, '0', '0', '0'].join(',');
}

/**
 * Writes doctors' labels as a training folder in the trainer's layout (images/*.png +
 * labels.csv), de-identified: pixels only (decoded from the stored DICOM, no header), names
 * derived from hashes, a manifest linking back by content hash only. Burned-in text in the
 * pixels is not removed (out of scope; noted in the README).
 */
@Injectable()
export class DatasetExportService {
  private readonly logger = moduleLogger('dataset-export');

  constructor(
    private readonly labels: TrainingLabelService,
    private readonly files: LearningFilesRepository,
    private readonly images: ImageService,
  ) {}

  async export(outDir: string, options: { since?: Date; holdoutFraction?: number } = {}): Promise<ExportResult> {
    const all = effectiveLabels(await this.labels.all(options.since));
    const { train, holdout } = splitHoldout(all, options.holdoutFraction ?? 0);
    await this.writeFolder(outDir, train);
    const holdoutDir = holdout.length > 0 ? path.join(outDir, 'holdout') : undefined;
    if (holdoutDir) await this.writeFolder(holdoutDir, holdout);
    this.logger.info({ images: train.length, holdout: holdout.length }, 'training labels exported');
    return { dir: outDir, images: train.length, holdoutDir, holdoutImages: holdout.length };
  }

  private async writeFolder(dir: string, labels: readonly TrainingLabel[]): Promise<void> {
    for (const label of labels) {
      // Pixels only (decoded in the pixel worker), no header: nothing identifying travels with them.
      const png = await greyPng(await this.images.greyOfStored(label.blobKey));
      await this.files.writeBytes(path.join(dir, 'images', exportedImageId(label.imageSha256)), png);
    }
    await this.files.writeText(path.join(dir, 'labels.csv'), [CSV_HEADER, ...labels.map(csvRow)].join('\n') + '\n');
    const manifest = labels.map((label) => ({
      image: exportedImageId(label.imageSha256),
      imageSha256: label.imageSha256,
      verdict: label.verdict,
      granularity: label.granularity,
      source: label.source,
      modelVersion: label.modelVersion,
    }));
    await this.files.writeText(
      path.join(dir, 'manifest.json'),
      `${JSON.stringify({ format: 'osteon-training-export/1', images: manifest }, null, 2)}\n`,
    );
  }
}
