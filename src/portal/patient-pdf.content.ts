import type { Content, TDocumentDefinitions } from 'pdfmake/interfaces';
import type { Report } from '../reports/report';
import { ENGLISH, pdfText, type PdfLanguage } from './pdf-texts';
import { aiFindingSentence, bodyPartWords, displayPersonName, formatDate, formatDateTime, verdictSentence } from './plain-language';
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
  /** The patient's or the site's language; English when absent. */
  readonly language?: PdfLanguage;
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
  const language = input.language ?? ENGLISH;
  const body = input.kind === 'withdrawn' ? withdrawalBody(report, language) : reportBody(input, language);
  const title = pdfText(language, `title.${input.kind}`);
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
      text: pdfText(language, 'footer', { id: report.id, version: report.contentVersion, page: currentPage, pages: pageCount }),
      style: 'small',
      alignment: 'center',
      margin: [40, 20, 40, 0],
    }),
  };
}

/** The moment this version was signed or withdrawn; never the time of rendering. */
export function documentDate(kind: PatientDocumentKind, report: Report): Date {
  if (kind === 'withdrawn') {
    const withdrawal = [...report.statusHistory].reverse().find((change) => change.status === 'entered-in-error');
    return withdrawal?.at ?? report.updatedAt;
  }
  return report.finalAt ?? report.review?.at ?? report.updatedAt;
}

/** The study's own date when the images carried one, else the day they arrived. */
export function examinationDay(report: Report): Date {
  return report.studyDate ? new Date(`${report.studyDate}T00:00:00Z`) : report.firstReceivedAt;
}

function patientTable(report: Report, language: PdfLanguage): Content {
  const row = (label: string, value: string): Content[] => [{ text: label, style: 'label' }, { text: value }];
  return {
    table: {
      widths: [110, '*'],
      body: [
        row(pdfText(language, 'label.patient'), displayPersonName(report.patient.name, language)),
        row(pdfText(language, 'label.patientId'), report.patient.patientId ?? pdfText(language, 'notRecorded')),
        row(pdfText(language, 'label.date'), formatDate(examinationDay(report), language)),
        row(
          pdfText(language, 'label.bodyPart'),
          bodyPartWords(report.review?.verdict.bodyPart ?? report.findings?.bodyPart ?? 'hand', language),
        ),
      ],
    },
    layout: 'noBorders',
  };
}

function reportBody(input: PatientPdfInput, language: PdfLanguage): Content[] {
  const { report } = input;
  const review = report.review;
  if (!review) throw new Error(`report ${report.id} has no review: it cannot be printed for the patient`);
  const content: Content[] = [];
  if (input.kind === 'corrected') {
    content.push({
      table: {
        widths: ['*'],
        body: [[{ text: pdfText(language, 'correctedBanner'), style: 'corrected', margin: [6, 4, 6, 4] }]],
      },
      layout: 'noBorders',
      margin: [0, 0, 0, 8],
    });
  }
  content.push(patientTable(report, language));
  content.push({ text: pdfText(language, 'heading.conclusion'), style: 'heading' });
  content.push({ text: verdictSentence(review.verdict, language), style: 'conclusion' });
  if (review.verdict.conclusion)
    content.push({ text: [{ text: pdfText(language, 'doctorNote'), bold: true }, review.verdict.conclusion], margin: [0, 4, 0, 0] });
  content.push({ text: pdfText(language, 'heading.ai'), style: 'heading' });
  content.push({ text: aiFindingSentence(review.aiFindings, language) });
  if (review.aiFindings)
    content.push({
      text: pdfText(language, review.agreed ? 'ai.confirmed' : 'ai.corrected'),
      bold: true,
      margin: [0, 2, 0, 0],
    });
  content.push({ text: pdfText(language, 'heading.images'), style: 'heading' });
  content.push(imageGrid(input.thumbnails, language));
  content.push({ text: pdfText(language, 'heading.signed'), style: 'heading' });
  const signer = review.by.displayName ?? pdfText(language, 'signedByUser', { username: review.by.username });
  content.push({ text: pdfText(language, 'signedBy', { name: signer, date: formatDateTime(review.at, language) }) });
  content.push({
    text: pdfText(language, 'reportLine', { id: report.id, version: report.contentVersion, model: review.modelVersion }),
    style: 'small',
    margin: [0, 2, 0, 0],
  });
  content.push({ text: pdfText(language, 'aiNote'), style: 'small', margin: [0, 14, 0, 0] });
  return content;
}

function imageGrid(thumbnails: readonly PdfThumbnail[], language: PdfLanguage): Content {
  if (thumbnails.length === 0) return { text: pdfText(language, 'noImages'), style: 'label' };
  const cells: Content[] = thumbnails.map((thumbnail, index) => ({
    stack: [
      { image: `data:image/jpeg;base64,${thumbnail.jpeg.toString('base64')}`, fit: [THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT] },
      {
        text: `${pdfText(language, 'imageCaption', { number: index + 1, total: thumbnails.length })}${thumbnail.highlighted ? pdfText(language, 'imageHighlighted') : ''}`,
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

function withdrawalBody(report: Report, language: PdfLanguage): Content[] {
  const withdrawnAt = documentDate('withdrawn', report);
  return [
    patientTable(report, language),
    { text: pdfText(language, 'heading.meaning'), style: 'heading' },
    { text: pdfText(language, 'withdrawnText', { date: formatDateTime(withdrawnAt, language) }), style: 'conclusion' },
    {
      text: pdfText(language, 'withdrawnReportLine', { id: report.id, version: report.contentVersion }),
      style: 'small',
      margin: [0, 8, 0, 0],
    },
  ];
}
