import type { Content, TDocumentDefinitions } from 'pdfmake/interfaces';
import type { Report } from '../reports/report';
import {
  AI_NOTE,
  aiFindingSentence,
  bodyPartWords,
  displayPersonName,
  formatDate,
  formatDateTime,
  verdictSentence,
} from './plain-language';
import type { PatientDocumentKind } from './release.policy';

/** One image of the study, ready for the page (JPEG), with the heat map already drawn on it. */
export interface PdfThumbnail {
  readonly jpeg: Buffer;
  readonly width: number;
  readonly height: number;
  /** True when the AI's heat map is drawn on it (a fracture was found on this image). */
  readonly highlighted: boolean;
}

export interface PatientPdfInput {
  readonly institutionName: string;
  readonly kind: PatientDocumentKind;
  readonly report: Report;
  readonly thumbnails: readonly PdfThumbnail[];
}

const THUMBNAIL_WIDTH = 240;
const THUMBNAIL_HEIGHT = 220;

/**
 * The patient's PDF as a pdfmake document. Everything printed comes from the report's
 * current content, and the creation date is the sign-off (or withdrawal) time, so the same
 * report version always gives the same document.
 */
export function patientPdfDefinition(input: PatientPdfInput): TDocumentDefinitions {
  const { report } = input;
  const body = input.kind === 'withdrawn' ? withdrawalBody(report) : reportBody(input);
  const title = documentTitle(input.kind);
  return {
    info: {
      title: `${title} ${report.id} v${report.contentVersion}`,
      author: input.institutionName,
      subject: title,
      creator: 'Osteon',
      producer: 'Osteon',
      creationDate: documentDate(input.kind, report),
    },
    pageSize: 'A4',
    pageMargins: [40, 48, 40, 56],
    defaultStyle: { font: 'Roboto', fontSize: 10, lineHeight: 1.25 },
    styles: {
      institution: { fontSize: 11, color: '#3a4a5a' },
      title: { fontSize: 18, bold: true, margin: [0, 2, 0, 8] },
      corrected: { fontSize: 11, bold: true, color: '#ffffff', fillColor: '#b3261e' },
      heading: { fontSize: 12, bold: true, margin: [0, 12, 0, 4] },
      label: { color: '#55606b' },
      conclusion: { fontSize: 13, bold: true },
      small: { fontSize: 8.5, color: '#55606b' },
    },
    content: [{ text: input.institutionName, style: 'institution' }, { text: title, style: 'title' }, ...body],
    footer: (currentPage: number, pageCount: number): Content => ({
      text: `Report ${report.id} · version ${report.contentVersion} · page ${currentPage} of ${pageCount}`,
      style: 'small',
      alignment: 'center',
      margin: [40, 20, 40, 0],
    }),
  };
}

function documentTitle(kind: PatientDocumentKind): string {
  switch (kind) {
    case 'report':
      return 'Your X-ray report';
    case 'corrected':
      return 'Corrected report: your X-ray report';
    case 'withdrawn':
      return 'Notice: report withdrawn';
  }
}

/** The moment this version was signed or withdrawn; never the time of rendering. */
export function documentDate(kind: PatientDocumentKind, report: Report): Date {
  if (kind === 'withdrawn') {
    const withdrawal = [...report.statusHistory].reverse().find((change) => change.status === 'entered-in-error');
    return withdrawal?.at ?? report.updatedAt;
  }
  return report.finalAt ?? report.review?.at ?? report.updatedAt;
}

function patientTable(report: Report): Content {
  const row = (label: string, value: string): Content[] => [{ text: label, style: 'label' }, { text: value }];
  return {
    table: {
      widths: [110, '*'],
      body: [
        row('Patient', displayPersonName(report.patient.name)),
        row('Patient ID', report.patient.patientId ?? 'not recorded'),
        row('Date of the X-ray', formatDate(report.firstReceivedAt)),
        row('Body part', bodyPartWords(report.review?.verdict.bodyPart ?? report.findings?.bodyPart ?? 'hand')),
      ],
    },
    layout: 'noBorders',
  };
}

function reportBody(input: PatientPdfInput): Content[] {
  const { report } = input;
  const review = report.review;
  if (!review) throw new Error(`report ${report.id} has no review: it cannot be printed for the patient`);
  const content: Content[] = [];
  if (input.kind === 'corrected') {
    content.push({
      table: {
        widths: ['*'],
        body: [
          [{ text: 'Corrected report: this version replaces the report you received before.', style: 'corrected', margin: [6, 4, 6, 4] }],
        ],
      },
      layout: 'noBorders',
      margin: [0, 0, 0, 8],
    });
  }
  content.push(patientTable(report));
  content.push({ text: "The doctor's conclusion", style: 'heading' });
  content.push({ text: verdictSentence(review.verdict), style: 'conclusion' });
  if (review.verdict.conclusion)
    content.push({ text: [{ text: "Doctor's note: ", bold: true }, review.verdict.conclusion], margin: [0, 4, 0, 0] });
  content.push({ text: 'AI finding (computer suggestion, checked by the doctor)', style: 'heading' });
  content.push({ text: aiFindingSentence(review.aiFindings) });
  if (review.aiFindings)
    content.push({
      text: review.agreed
        ? 'The doctor confirmed this AI finding.'
        : 'The doctor corrected this AI finding: the conclusion above is the one that counts.',
      bold: true,
      margin: [0, 2, 0, 0],
    });
  content.push({ text: 'Your images', style: 'heading' });
  content.push(imageGrid(input.thumbnails));
  content.push({ text: 'Signed', style: 'heading' });
  content.push({ text: `Signed by ${review.by.displayName ?? `the doctor ${review.by.username}`} on ${formatDateTime(review.at)}.` });
  content.push({
    text: `Report ${report.id}, version ${report.contentVersion}. AI model ${review.modelVersion}.`,
    style: 'small',
    margin: [0, 2, 0, 0],
  });
  content.push({ text: AI_NOTE, style: 'small', margin: [0, 14, 0, 0] });
  return content;
}

function imageGrid(thumbnails: readonly PdfThumbnail[]): Content {
  if (thumbnails.length === 0) return { text: 'No images could be shown.', style: 'label' };
  const cells: Content[] = thumbnails.map((thumbnail, index) => ({
    stack: [
      { image: `data:image/jpeg;base64,${thumbnail.jpeg.toString('base64')}`, fit: [THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT] },
      {
        text: `Image ${index + 1} of ${thumbnails.length}${thumbnail.highlighted ? ': red shows where the AI saw signs of a fracture' : ''}`,
        style: 'small',
        margin: [0, 2, 0, 8],
      },
    ],
    unbreakable: true,
  }));
  const rows: Content[][] = [];
  for (let i = 0; i < cells.length; i += 2) rows.push([cells[i] as Content, cells[i + 1] ?? { text: '' }]);
  return { table: { widths: ['*', '*'], body: rows }, layout: 'noBorders' };
}

function withdrawalBody(report: Report): Content[] {
  const withdrawnAt = documentDate('withdrawn', report);
  return [
    patientTable(report),
    { text: 'What this means', style: 'heading' },
    {
      text:
        `The X-ray report for this examination was withdrawn on ${formatDateTime(withdrawnAt)} because it was issued in error. ` +
        'Please do not rely on it any more. Your care team will contact you if anything needs to be done.',
      style: 'conclusion',
    },
    { text: `Report ${report.id}, version ${report.contentVersion}.`, style: 'small', margin: [0, 8, 0, 0] },
  ];
}
