import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { AnalysedImage } from '../reports/findings';
import type { Report } from '../reports/report';
import { patientPdfDefinition, type PdfThumbnail } from './patient-pdf.content';
import { PdfLanguagesRepository } from './pdf-languages.repository';
import { PdfPrinterRepository } from './pdf-printer.repository';
import { PortalErrorCode, PortalException } from './portal.exception';
import { patientDocumentKind, type PatientDocumentKind } from './release.policy';
import { ReportImagesService } from './report-images.service';
import { renderThumbnail } from './thumbnail.renderer';

export interface PatientPdf {
  readonly kind: PatientDocumentKind;
  readonly reportId: string;
  readonly contentVersion: number;
  readonly pdf: Buffer;
  readonly sha256: string;
  readonly filename: string;
}

/** The patient's PDF for a report's current content, under the release rule. */
@Injectable()
export class PatientPdfService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly images: ReportImagesService,
    private readonly printer: PdfPrinterRepository,
    private readonly languages: PdfLanguagesRepository,
  ) {}

  /**
   * Throws PortalException(NotReleased) unless a doctor signed the report (or withdrew a signed one).
   * `language`: the patient's choice (two letters); the site's default when absent or not offered.
   */
  async render(report: Report, language?: string): Promise<PatientPdf> {
    const kind = patientDocumentKind(report);
    if (!kind)
      throw new PortalException(PortalErrorCode.NotReleased, `report ${report.id} is ${report.status}: nothing is released to the patient`);
    const thumbnails = kind === 'withdrawn' ? [] : await this.thumbnails(report);
    const pdf = await this.printer.render(
      patientPdfDefinition({
        institutionName: this.config.portal.institutionName,
        kind,
        report,
        thumbnails,
        language: this.languages.language(language),
      }),
    );
    return {
      kind,
      reportId: report.id,
      contentVersion: report.contentVersion,
      pdf,
      sha256: createHash('sha256').update(pdf).digest('hex'),
      filename: `${kind === 'withdrawn' ? 'withdrawal-notice' : 'xray-report'}-${report.id}-v${report.contentVersion}.pdf`,
    };
  }

  private async thumbnails(report: Report): Promise<PdfThumbnail[]> {
    const thumbnails: PdfThumbnail[] = [];
    for (const image of report.images) {
      const grey = await this.images.original(image);
      const marked = showsHeatmap(report, image);
      const heatmap = marked ? await this.images.heatmap(image) : undefined;
      thumbnails.push(await renderThumbnail(grey, heatmap, marked ? image.findings.box : undefined));
    }
    return thumbnails;
  }
}

/**
 * The heat map (and the box, for models with a box head) is drawn only where the AI found a
 * fracture on this image and the doctor's verdict is a fracture too: a patient should not see
 * an area the doctor ruled out.
 */
export function showsHeatmap(report: Report, image: AnalysedImage): boolean {
  return image.findings.fracture && image.heatmapId !== undefined && report.review?.verdict.fracture === true;
}
