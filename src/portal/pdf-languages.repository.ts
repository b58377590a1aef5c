import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { GERMAN_PDF_TEXTS } from './pdf-texts.de';
import { ENGLISH, type PdfLanguage } from './pdf-texts';

const LANGUAGE_FILE = /^([a-z]{2})\.json$/;

/** A site's translation file: flat string values only (anything else is refused at start). */
function readTexts(file: string): Record<string, string> {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: not a JSON object of texts`);
  for (const [key, value] of Object.entries(parsed)) if (typeof value !== 'string') throw new Error(`${file}: ${key} is not a text`);
  return parsed as Record<string, string>;
}

/**
 * The PDF languages: English and German shipped, each extended or overridden by the site's
 * `<lang>.json` in OSTEON_PDF_LOCALES_DIR (read once at start; a bad file stops the start).
 */
@Injectable()
export class PdfLanguagesRepository {
  private readonly languages = new Map<string, PdfLanguage>([
    ['en', ENGLISH],
    ['de', { locale: 'de', texts: GERMAN_PDF_TEXTS }],
  ]);
  readonly siteDefault: string;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'portal'>) {
    const dir = config.portal.pdfLocalesDir;
    if (dir) {
      for (const name of fs.readdirSync(dir)) {
        const match = LANGUAGE_FILE.exec(name);
        if (!match) continue;
        const code = match[1] as string;
        const shipped = this.languages.get(code);
        this.languages.set(code, { locale: code, texts: { ...(shipped?.texts ?? {}), ...readTexts(path.join(dir, name)) } });
      }
    }
    this.siteDefault = this.languages.has(config.portal.pdfLanguage) ? config.portal.pdfLanguage : 'en';
  }

  /** The language asked for when the site has it, else the site's default. */
  language(code: string | undefined): PdfLanguage {
    return this.languages.get(code ?? this.siteDefault) ?? (this.languages.get(this.siteDefault) as PdfLanguage);
  }

  codes(): string[] {
    return [...this.languages.keys()];
  }
}
