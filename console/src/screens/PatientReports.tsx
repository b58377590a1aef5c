import { useEffect, useState } from 'preact/hooks';
import { getJson, imageUrl, type Session } from '../api';
import { chooseLanguage, newestFirst, summaryKeys, translate, type Messages, type PatientVerdict } from '../logic/translate';
import { onFirstControl } from '../offline';
import { usePolling } from '../usePolling';

interface PatientReport {
  id: string;
  status: 'final' | 'amended' | 'entered-in-error';
  corrected: boolean;
  examinedAt: string;
  signedAt?: string;
  pdfUrl: string;
  verdict?: PatientVerdict;
}

interface LocaleIndex {
  default: string;
  languages: Record<string, string>;
}

const LANGUAGE_KEY = 'osteon.lang';

async function fetchJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** The site's languages (public/locales/index.json) and the texts of the chosen one, English beneath. */
function useTranslations(): {
  t: (key: string, values?: Record<string, string>) => string;
  lang: string;
  index?: LocaleIndex;
  choose: (lang: string) => void;
} {
  const [index, setIndex] = useState<LocaleIndex>();
  const [lang, setLang] = useState<string>('en');
  const [messages, setMessages] = useState<{ chosen: Messages; english: Messages }>({ chosen: {}, english: {} });

  useEffect(() => {
    void (async () => {
      const loaded = await fetchJson<LocaleIndex>('/locales/index.json').catch(() => ({ default: 'en', languages: { en: 'English' } }));
      setIndex(loaded);
      const stored = sessionStorage.getItem(LANGUAGE_KEY);
      setLang(chooseLanguage([...(stored ? [stored] : []), ...navigator.languages], Object.keys(loaded.languages), loaded.default));
    })();
  }, []);

  useEffect(() => {
    void (async () => {
      const english = await fetchJson<Messages>('/locales/en.json').catch(() => ({}));
      const chosen = lang === 'en' ? english : await fetchJson<Messages>(`/locales/${lang}.json`).catch(() => ({}));
      setMessages({ chosen, english });
      document.documentElement.lang = lang;
    })();
  }, [lang]);

  const choose = (next: string): void => {
    sessionStorage.setItem(LANGUAGE_KEY, next);
    setLang(next);
  };
  return { t: (key, values) => translate(messages.chosen, messages.english, key, values), lang, index, choose };
}

function localDate(iso: string | undefined, lang: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}

/** The patient's own signed reports, newest first, for a phone: plain words and the PDF. */
export function PatientReports({ session }: { session: Session }) {
  const { t, lang, index, choose } = useTranslations();
  const { data, error, refresh } = usePolling(() => getJson<{ items: PatientReport[] }>(session, '/api/patient/reports'), 60_000);
  // On the first visit the list loads before the service worker runs: load it again through it, to keep it for offline.
  useEffect(() => onFirstControl(() => void refresh()), []);
  const [pdfs, setPdfs] = useState<Record<string, string>>({});
  const [preparing, setPreparing] = useState<string>();

  // A PDF is fetched in the page's language: a new language fetches again.
  useEffect(() => {
    setPdfs((current) => {
      Object.values(current).forEach((url) => URL.revokeObjectURL(url));
      return {};
    });
  }, [lang]);

  const preparePdf = async (report: PatientReport): Promise<void> => {
    if (pdfs[report.id]) return;
    setPreparing(report.id);
    try {
      const url = await imageUrl(session, `${report.pdfUrl}?lang=${encodeURIComponent(lang)}`);
      setPdfs((current) => ({ ...current, [report.id]: url }));
    } finally {
      setPreparing(undefined);
    }
  };

  const reports = data ? newestFirst(data.items) : undefined;
  return (
    <main id="main" class="patient">
      <h1>{t('title')}</h1>
      {index && Object.keys(index.languages).length > 1 && (
        <label class="language">
          {t('language')}{' '}
          <select value={lang} onChange={(event) => choose(event.currentTarget.value)}>
            {Object.entries(index.languages).map(([code, name]) => (
              <option key={code} value={code} lang={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      <p>{t('intro')}</p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!reports && !error && <p>{t('loading')}</p>}
      {reports && reports.length === 0 && <p>{t('none')}</p>}
      <ul class="patient-reports">
        {(reports ?? []).map((report) => {
          const keys = summaryKeys(report.verdict);
          const part = t(keys.part);
          const signed = localDate(report.signedAt, lang);
          const pdf = pdfs[report.id];
          return (
            <li key={report.id}>
              <article aria-labelledby={`report-${report.id}`} data-report-id={report.id}>
                <h2 id={`report-${report.id}`}>{t('reportTitle', { part })}</h2>
                <p class="muted">
                  {t('examinedOn', { date: localDate(report.examinedAt, lang) })} · {t('signedOn', { date: signed })}
                </p>
                {report.status === 'entered-in-error' ? (
                  <p class="error">{t('withdrawn')}</p>
                ) : (
                  <p class="plain-summary" data-testid="plain-summary">
                    {t(keys.summary, { part })}
                  </p>
                )}
                {report.corrected && <p class="notice">{t('corrected')}</p>}
                {!pdf && (
                  <button type="button" class="primary" disabled={preparing === report.id} onClick={() => void preparePdf(report)}>
                    {preparing === report.id ? t('preparing') : t('openPdf')}
                    <span class="visually-hidden"> {t('pdfOf', { date: signed })}</span>
                  </button>
                )}
                {pdf && (
                  <div class="buttons">
                    <a class="button primary" href={pdf} target="_blank" rel="noopener">
                      {t('openPdf')}
                      <span class="visually-hidden"> {t('pdfOf', { date: signed })}</span>
                    </a>
                    <a class="button" href={pdf} download={`report-${signed}.pdf`}>
                      {t('downloadPdf')}
                      <span class="visually-hidden"> {t('pdfOf', { date: signed })}</span>
                    </a>
                  </div>
                )}
              </article>
            </li>
          );
        })}
      </ul>
      <p class="muted">{t('aiNote')}</p>
      <p>{t('question')}</p>
    </main>
  );
}
