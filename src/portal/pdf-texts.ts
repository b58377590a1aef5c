/** Every text the patient PDF prints, in English; a translation gives the same keys (`{name}` placeholders stay). */
export const ENGLISH_PDF_TEXTS = {
  'title.report': 'Your X-ray report',
  'title.corrected': 'Corrected report: your X-ray report',
  'title.withdrawn': 'Notice: report withdrawn',
  footer: 'Report {id} · version {version} · page {page} of {pages}',
  'label.patient': 'Patient',
  'label.patientId': 'Patient ID',
  'label.date': 'Date of the X-ray',
  'label.bodyPart': 'Body part',
  notRecorded: 'not recorded',
  correctedBanner: 'Corrected report: this version replaces the report you received before.',
  'heading.conclusion': "The doctor's conclusion",
  doctorNote: "Doctor's note: ",
  'heading.ai': 'AI finding (computer suggestion, checked by the doctor)',
  'ai.confirmed': 'The doctor confirmed this AI finding.',
  'ai.corrected': 'The doctor corrected this AI finding: the conclusion above is the one that counts.',
  'heading.images': 'Your images',
  'heading.signed': 'Signed',
  signedBy: 'Signed by {name} on {date}.',
  signedByUser: 'the doctor {username}',
  reportLine: 'Report {id}, version {version}. AI model {model}.',
  withdrawnReportLine: 'Report {id}, version {version}.',
  noImages: 'No images could be shown.',
  imageCaption: 'Image {number} of {total}',
  imageHighlighted: ': red shows where the AI saw signs of a fracture',
  'heading.meaning': 'What this means',
  withdrawnText:
    'The X-ray report for this examination was withdrawn on {date} because it was issued in error. ' +
    'Please do not rely on it any more. Your care team will contact you if anything needs to be done.',
  'verdict.none': 'No broken bone (fracture) was found on the X-ray of your {part}.',
  'verdict.one': 'A broken bone (fracture) was found on the X-ray of your {part}.',
  'verdict.many': 'More than one broken bone (fracture) was found on the X-ray of your {part}.',
  'ai.notAnalysed': 'The AI did not analyse these X-ray images; the doctor read them without it.',
  'ai.noFracture': 'The AI did not flag a fracture on the X-ray of your {part} (its score for a fracture: {score} in 100).',
  'ai.fracture': 'The AI suggested a fracture on the X-ray of your {part} (its score for a fracture: {score} in 100).',
  'ai.fractures': 'The AI suggested more than one fracture on the X-ray of your {part} (its score for a fracture: {score} in 100).',
  'part.hand': 'hand',
  'part.leg': 'leg',
  'part.hip': 'hip',
  'part.shoulder': 'shoulder',
  aiNote:
    'About the AI: a computer program (artificial intelligence) looked at your X-ray before the doctor did. ' +
    'It only looks for broken bones in X-rays of the hand, leg, hip and shoulder, and marks the areas that may show one. ' +
    'It does not make a diagnosis, does not look for any other condition and can be wrong. ' +
    'A doctor looked at your images, checked what the AI suggested and wrote the conclusion in this report.',
} as const;

export type PdfTextKey = keyof typeof ENGLISH_PDF_TEXTS;

/** The texts of one language and its locale for dates; missing keys read as English. */
export interface PdfLanguage {
  readonly locale: string;
  readonly texts: Readonly<Partial<Record<string, string>>>;
}

export const ENGLISH: PdfLanguage = { locale: 'en', texts: ENGLISH_PDF_TEXTS };

/** The text for `key` in `language`, else English, with `{name}` placeholders filled. */
export function pdfText(language: PdfLanguage, key: PdfTextKey, values: Readonly<Record<string, string | number>> = {}): string {
  const template = language.texts[key] ?? ENGLISH_PDF_TEXTS[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] !== undefined ? String(values[name]) : whole));
}
