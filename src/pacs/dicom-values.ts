export interface CodedConcept {
  readonly CodeValue: string;
  readonly CodingSchemeDesignator: string;
  readonly CodeMeaning: string;
}

export function code(value: string, scheme: string, meaning: string): CodedConcept {
  return { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning };
}

/** Osteon's own concepts: a private coding scheme ("99" prefix, PS3.16 8.2) for what no standard code names. */
export const OSTEON_SCHEME = '99OSTEON';

export function dicomDate(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

export function dicomTime(date: Date): string {
  return date.toISOString().slice(11, 19).replace(/:/g, '');
}

export function dicomDateTime(date: Date): string {
  return `${dicomDate(date)}${dicomTime(date)}`;
}
