import { Injectable } from '@nestjs/common';
import { StorageSopClass } from '../imaging/dicom-file.constants';
import { ImagingException } from '../imaging/imaging.exception';
import type { AnalysedImage } from '../reports/findings';
import { HeatmapRepository } from '../reports/heatmap.repository';
import type { Report } from '../reports/report';
import { renderAnnotatedImage } from './annotated-image.renderer';
import { requireString } from './composite-context';
import type { DeliveryPlan, SentObject } from './pacs-delivery.plan';
import { PacsErrorCode, PacsException } from './pacs.exception';
import { buildRejectionNote, KEY_OBJECT_SELECTION_SOP_CLASS } from './rejection-note.builder';
import { buildSecondaryCapture } from './secondary-capture.builder';
import { SourceImageReader, type SourceImage } from './source-image.reader';
import type { StoreObject } from './store-scu.client';
import { buildStructuredReport, COMPREHENSIVE_SR_SOP_CLASS, type SourceReference } from './structured-report.builder';

export interface ResultObjects {
  readonly objects: readonly StoreObject[];
  readonly sent: readonly SentObject[];
}

/** Makes the DICOM objects a delivery plan names: SC images and SR, or the rejection note. */
@Injectable()
export class ResultObjectsFactory {
  constructor(
    private readonly sources: SourceImageReader,
    private readonly heatmaps: HeatmapRepository,
  ) {}

  async build(report: Report, plan: DeliveryPlan, now: Date): Promise<ResultObjects> {
    try {
      return plan.kind === 'withdrawal' ? await this.withdrawal(report, plan, now) : await this.results(report, plan, now);
    } catch (error) {
      // The objects can never be made from an original that cannot be decoded: a retry would fail the same way.
      if (error instanceof ImagingException && !error.retryable) {
        throw new PacsException(PacsErrorCode.ResultObjectsUnbuildable, `an original cannot be decoded: ${error.message}`);
      }
      throw error;
    }
  }

  private async results(report: Report, plan: Extract<DeliveryPlan, { kind: 'results' }>, now: Date): Promise<ResultObjects> {
    const objects: StoreObject[] = [];
    const sent: SentObject[] = [];
    const references: SourceReference[] = [];
    // The first image's header, not its decoded pixels: each image's grey can go once its capture is built.
    let first: SourceImage['header'] | undefined;
    for (const [index, image] of report.images.entries()) {
      const capture = plan.captures.find((candidate) => candidate.sourceSopInstanceUid === image.sopInstanceUid);
      if (!capture) throw new Error(`plan has no capture for ${image.sopInstanceUid}`);
      const source = await this.sources.read(image.blobKey);
      first ??= source.header;
      const heatmapPng = await this.heatmapFor(image);
      // Like the heat map, the box marks only an image the model suspects.
      const box = image.findings.fracture ? image.findings.box : undefined;
      const rgb = await renderAnnotatedImage(source.grey, {
        banner: bannerFor(image, report.modelVersion),
        heatmapPng,
        ...(box ? { box } : {}),
      });
      const elements = buildSecondaryCapture({
        original: source.header,
        image: rgb,
        seriesInstanceUid: plan.captureSeriesInstanceUid,
        sopInstanceUid: capture.sopInstanceUid,
        instanceNumber: index + 1,
        modelVersion: report.modelVersion,
        createdAt: now,
      });
      objects.push({ sopClassUid: StorageSopClass.SecondaryCapture, sopInstanceUid: capture.sopInstanceUid, elements });
      sent.push({
        role: 'secondary-capture',
        sopClassUid: StorageSopClass.SecondaryCapture,
        sopInstanceUid: capture.sopInstanceUid,
        seriesInstanceUid: plan.captureSeriesInstanceUid,
      });
      references.push({
        sopClassUid: requireString(source.header, 'SOPClassUID'),
        sopInstanceUid: image.sopInstanceUid,
        seriesInstanceUid: requireString(source.header, 'SeriesInstanceUID'),
        rows: source.grey.height,
        columns: source.grey.width,
        findings: image.findings,
      });
    }
    if (!first) throw new PacsException(PacsErrorCode.ResultObjectsUnbuildable, `report ${report.id} has no analysed image`);
    const elements = buildStructuredReport({
      report,
      original: first,
      sources: references,
      seriesInstanceUid: plan.reportSeriesInstanceUid,
      sopInstanceUid: plan.reportInstanceUid,
      instanceNumber: report.contentVersion,
      predecessor: plan.predecessor ?? undefined,
      createdAt: now,
    });
    objects.push({ sopClassUid: COMPREHENSIVE_SR_SOP_CLASS, sopInstanceUid: plan.reportInstanceUid, elements });
    sent.push({
      role: 'structured-report',
      sopClassUid: COMPREHENSIVE_SR_SOP_CLASS,
      sopInstanceUid: plan.reportInstanceUid,
      seriesInstanceUid: plan.reportSeriesInstanceUid,
    });
    return { objects, sent };
  }

  private async withdrawal(report: Report, plan: Extract<DeliveryPlan, { kind: 'withdrawal' }>, now: Date): Promise<ResultObjects> {
    if (plan.rejected.length === 0) return { objects: [], sent: [] };
    const image = report.images[0];
    if (!image) throw new PacsException(PacsErrorCode.ResultObjectsUnbuildable, `report ${report.id} has no analysed image`);
    const original = await this.sources.read(image.blobKey);
    const elements = buildRejectionNote({
      original: original.header,
      rejected: plan.rejected.map((object) => ({ ...object, isImage: object.role === 'secondary-capture' })),
      seriesInstanceUid: plan.noteSeriesInstanceUid,
      sopInstanceUid: plan.noteInstanceUid,
      createdAt: now,
    });
    return {
      objects: [{ sopClassUid: KEY_OBJECT_SELECTION_SOP_CLASS, sopInstanceUid: plan.noteInstanceUid, elements }],
      sent: [
        {
          role: 'rejection-note',
          sopClassUid: KEY_OBJECT_SELECTION_SOP_CLASS,
          sopInstanceUid: plan.noteInstanceUid,
          seriesInstanceUid: plan.noteSeriesInstanceUid,
        },
      ],
    };
  }

  /** The heat map is drawn only where the model suspects a fracture. */
  private async heatmapFor(image: AnalysedImage): Promise<Buffer | undefined> {
    if (!image.findings.fracture || !image.heatmapId) return undefined;
    return this.heatmaps.find(image.heatmapId);
  }
}

export function bannerFor(image: AnalysedImage, modelVersion: string): { verdict: string; disclaimer: string } {
  const { fracture, fractureProbability } = image.findings;
  const verdict = fracture ? 'fracture suspected' : 'no fracture suspected';
  return {
    verdict: `AI triage: ${verdict}, p=${fractureProbability.toFixed(2)}`,
    disclaimer: `— not a diagnosis (Osteon ${modelVersion})`,
  };
}
