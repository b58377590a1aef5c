import type { BodyPart, CountClass, DoctorVerdict, StudyFindings } from '../reports/findings';

const BODY_PART_WORDS: Record<BodyPart, string> = { hand: 'hand', leg: 'leg', hip: 'hip', shoulder: 'shoulder' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function bodyPartWords(part: BodyPart): string {
  return BODY_PART_WORDS[part];
}

/** The doctor's verdict as one sentence a patient understands. */
export function verdictSentence(verdict: Pick<DoctorVerdict, 'fracture' | 'countClass' | 'bodyPart'>): string {
  const part = bodyPartWords(verdict.bodyPart);
  if (!verdict.fracture) return `No broken bone (fracture) was found on the X-ray of your ${part}.`;
  return `${fractureCountWords(verdict.countClass)} found on the X-ray of your ${part}.`;
}

function fractureCountWords(count: CountClass): string {
  switch (count) {
    case '2+':
      return 'More than one broken bone (fracture) was';
    case '0':
    case '1':
      return 'A broken bone (fracture) was';
  }
}

/** What the AI said, in words, labelled as the machine's suggestion. */
export function aiFindingSentence(ai: Pick<StudyFindings, 'fracture' | 'probability' | 'countClass' | 'bodyPart'> | undefined): string {
  if (!ai) return 'The AI did not analyse these X-ray images; the doctor read them without it.';
  const likelihood = `${Math.round(ai.probability * 100)} in 100`;
  const part = bodyPartWords(ai.bodyPart);
  if (!ai.fracture) return `The AI did not flag a fracture on the X-ray of your ${part} (its score for a fracture: ${likelihood}).`;
  const what = ai.countClass === '2+' ? 'more than one fracture' : 'a fracture';
  return `The AI suggested ${what} on the X-ray of your ${part} (its score for a fracture: ${likelihood}).`;
}

/** DICOM person name (Family^Given^Middle^Prefix^Suffix, first component group) as written on a letter. */
export function displayPersonName(name: string | undefined): string {
  if (!name) return 'not recorded';
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = (name.split('=')[0] ?? '').split('^').map((part) => part.trim());
  const words = [prefix, given, middle, family, suffix].filter((word) => word.length > 0);
  return words.length > 0 ? words.join(' ') : 'not recorded';
}

/** "25 November 2026", in UTC so the same report always prints the same. */
export function formatDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

export function formatDateTime(date: Date): string {
  const hours = String(date.getUTCHours()).padStart(2, '0');
  const minutes = String(date.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(date)}, ${hours}:${minutes} UTC`;
}

export const AI_NOTE =
  'About the AI: a computer program (artificial intelligence) looked at your X-ray before the doctor did. ' +
  'It only looks for broken bones in X-rays of the hand, leg, hip and shoulder, and marks the areas that may show one. ' +
  'It does not make a diagnosis, does not look for any other condition and can be wrong. ' +
  'A doctor looked at your images, checked what the AI suggested and wrote the conclusion in this report.';
