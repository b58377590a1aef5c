import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseLanguage, newestFirst, summaryKeys, translate } from '../src/logic/translate';

const locales = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'locales');
const load = (name: string): Record<string, string> => JSON.parse(readFileSync(path.join(locales, name), 'utf8')) as Record<string, string>;

describe('patient page translations', () => {
  it('fills placeholders, falls back to English, then to the key', () => {
    const en = { hello: 'Hello {name}', only: 'English only' };
    const de = { hello: 'Hallo {name}' };
    expect(translate(de, en, 'hello', { name: 'Zoë' })).toBe('Hallo Zoë');
    expect(translate(de, en, 'only')).toBe('English only');
    expect(translate(de, en, 'missing')).toBe('missing');
  });

  it('picks the reader’s language the site offers, else the site default', () => {
    expect(chooseLanguage(['de-CH', 'en'], ['en', 'de'], 'en')).toBe('de');
    expect(chooseLanguage(['fr'], ['en', 'de'], 'de')).toBe('de');
    expect(chooseLanguage([], ['en'], 'xx')).toBe('en');
  });

  it('words a verdict by count and body part, and orders reports newest first', () => {
    expect(summaryKeys({ fracture: false, countClass: '0', bodyPart: 'hip' })).toEqual({ summary: 'summary.none', part: 'part.hip' });
    expect(summaryKeys({ fracture: true, countClass: '2+', bodyPart: 'leg' }).summary).toBe('summary.many');
    expect(summaryKeys(undefined).summary).toBe('summary.unknown');
    const sorted = newestFirst([{ signedAt: '2026-01-01T00:00:00Z' }, { signedAt: '2026-03-01T00:00:00Z' }, {}]);
    expect(sorted.map((item) => item.signedAt)).toEqual(['2026-03-01T00:00:00Z', '2026-01-01T00:00:00Z', undefined]);
  });

  it('ships German with every key English has, and the index names both', () => {
    const en = load('en.json');
    const de = load('de.json');
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    expect(load('index.json')).toMatchObject({ default: 'en', languages: { en: 'English', de: 'Deutsch' } });
  });
});
