/** A translation file: flat keys, `{name}` placeholders. A site adds or edits files under /locales/. */
export type Messages = Readonly<Record<string, string>>;

/** The text for `key` in `messages`, else in `fallback`, else the key; `{name}` replaced from `values`. */
export function translate(messages: Messages, fallback: Messages, key: string, values: Readonly<Record<string, string>> = {}): string {
  const template = messages[key] ?? fallback[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The first of the reader's languages the site offers (`de-CH` → `de`), else the site default. */
export function chooseLanguage(preferred: readonly string[], offered: readonly string[], siteDefault: string): string {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (offered.includes(lower)) return lower;
    const base = lower.split('-')[0] as string;
    if (offered.includes(base)) return base;
  }
  return offered.includes(siteDefault) ? siteDefault : (offered[0] ?? 'en');
}

export interface PatientVerdict {
  readonly fracture: boolean;
  readonly countClass: string;
  readonly bodyPart: string;
}

/** The summary key and the body part key of a verdict, for the patient's language. */
export function summaryKeys(verdict: PatientVerdict | undefined): { summary: string; part: string } {
  if (!verdict) return { summary: 'summary.unknown', part: 'part.unknown' };
  const part = ['hand', 'leg', 'hip', 'shoulder'].includes(verdict.bodyPart) ? `part.${verdict.bodyPart}` : 'part.unknown';
  if (!verdict.fracture) return { summary: 'summary.none', part };
  return { summary: verdict.countClass === '2+' ? 'summary.many' : 'summary.one', part };
}

/** Newest signature first; unsigned last. */
export function newestFirst<T extends { signedAt?: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Date.parse(b.signedAt ?? '0') - Date.parse(a.signedAt ?? '0'));
}
