import type { BodyPart, DoctorVerdict, StudyFindings } from '../reports/findings';
import { ENGLISH, pdfText, type PdfLanguage } from './pdf-texts';

export function bodyPartWords(part: BodyPart, language: PdfLanguage = ENGLISH): string {
  return pdfText(language, `part.${part}`);
}

/** The doctor's verdict as one sentence a patient understands. */
export function verdictSentence(
  verdict: Pick<DoctorVerdict, 'fracture' | 'countClass' | 'bodyPart'>,
  language: PdfLanguage = ENGLISH,
): string {
  const part = bodyPartWords(verdict.bodyPart, language);
  if (!verdict.fracture) return pdfText(language, 'verdict.none', { part });
  return pdfText(language, verdict.countClass === '2+' ? 'verdict.many' : 'verdict.one', { part });
}

/** What the AI said, in words, labelled as the machine's suggestion. */
export function aiFindingSentence(
  ai: Pick<StudyFindings, 'fracture' | 'probability' | 'countClass' | 'bodyPart'> | undefined,
  language: PdfLanguage = ENGLISH,
): string {
  if (!ai) return pdfText(language, 'ai.notAnalysed');
  const values = { score: Math.round(ai.probability * 100), part: bodyPartWords(ai.bodyPart, language) };
  if (!ai.fracture) return pdfText(language, 'ai.noFracture', values);
  return pdfText(language, ai.countClass === '2+' ? 'ai.fractures' : 'ai.fracture', values);
}

/** DICOM person name (Family^Given^Middle^Prefix^Suffix, first component group) as written on a letter. */
export function displayPersonName(name: string | undefined, language: PdfLanguage = ENGLISH): string {
  if (!name) return pdfText(language, 'notRecorded');
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = (name.split('=')[0] ?? '').split('^').map((part) => part.trim());
  const words = [prefix, given, middle, family, suffix].filter((word) => word.length > 0);
  return words.length > 0 ? words.join(' ') : pdfText(language, 'notRecorded');
}

/** "25 November 2026" ("25. November 2026"), in UTC so the same report always prints the same. */
export function formatDate(date: Date, language: PdfLanguage = ENGLISH): string {
  const locale = language.locale === 'en' ? 'en-GB' : language.locale;
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);
}

export function formatDateTime(date: Date, language: PdfLanguage = ENGLISH): string {
  const hours = String(date.getUTCHours()).padStart(2, '0');
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(date, language)}, ${hours}:${minutes} UTC`;
}
