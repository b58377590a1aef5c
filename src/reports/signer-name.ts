import type { PersonRef } from './report';

/** A display name split the way HL7 (XCN/CNN) and DICOM (PN) want it; '' where a part is absent. */
export interface NameParts {
  readonly prefix: string;
  readonly given: string;
  readonly middle: string;
  readonly family: string;
}

// Titles a site writes before the name ("Dr. Greg House"); they go to the prefix, not the given name.
const TITLES = new Set([
  'dr',
  'dr.',
  'prof',
  'prof.',
  'pd',
  'priv.-doz.',
  'mr',
  'mr.',
  'mrs',
  'mrs.',
  'ms',
  'ms.',
  'med.',
  'dott.',
  'dott.ssa',
]);

/** How the doctor signs: the display name, the user name for records written before display names existed. */
export function signerName(person: PersonRef): string {
  const display = person.displayName?.trim();
  return display ? display : person.username;
}

/**
 * "Dr. Greg House" → prefix "Dr.", given "Greg", family "House". The last word is the family name
 * (users hold one display name, not structured parts); a name written "House, Greg" is taken as such.
 */
export function nameParts(displayName: string): NameParts {
  const [beforeComma, afterComma] = displayName.split(',', 2).map((part) => part.trim());
  if (afterComma !== undefined && beforeComma) {
    const rest = splitTitles(afterComma.split(/\s+/).filter(Boolean));
    return { prefix: rest.titles.join(' '), given: rest.words[0] ?? '', middle: rest.words.slice(1).join(' '), family: beforeComma };
  }
  const { titles, words } = splitTitles(displayName.split(/\s+/).filter(Boolean));
  if (words.length === 0) return { prefix: '', given: '', middle: '', family: titles.join(' ') };
  return {
    prefix: titles.join(' '),
    given: words.length > 1 ? (words[0] as string) : '',
    middle: words.slice(1, -1).join(' '),
    family: words.at(-1) as string,
  };
}

function splitTitles(words: readonly string[]): { titles: string[]; words: string[] } {
  let index = 0;
  while (index < words.length - 1 && TITLES.has((words[index] as string).toLowerCase())) index += 1;
  return { titles: words.slice(0, index), words: words.slice(index) };
}

/** DICOM PN (Family^Given^Middle^Prefix), trailing empty components dropped, at most the 64 characters PN allows. */
export function dicomPersonName(person: PersonRef): string {
  const parts = nameParts(signerName(person));
  const name = [parts.family, parts.given, parts.middle, parts.prefix].map(dicomNamePart).join('^').replace(/\^+$/, '');
  return name.slice(0, 64).replace(/\^+$/, '');
}

/** The signer as a DICOM LO value (a code meaning): no value delimiter, at most 64 characters. */
export function dicomSignerText(person: PersonRef): string {
  return dicomNamePart(signerName(person)).slice(0, 64);
}

/**
 * A display name is free text: `^` would shift the name's components, `=` open another component
 * group and `\` split the value in two, so they (and control characters) become spaces.
 */
function dicomNamePart(text: string): string {
  const spaced = [...text].map((character) => (isControl(character) || '^=\\'.includes(character) ? ' ' : character)).join('');
  return spaced.replace(/\s+/g, ' ').trim();
}

function isControl(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}
