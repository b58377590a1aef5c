import type { PdfTextKey } from './pdf-texts';

/** German texts of the patient PDF (shipped); a site's `de.json` in OSTEON_PDF_LOCALES_DIR overrides any of them. */
export const GERMAN_PDF_TEXTS: Readonly<Record<PdfTextKey, string>> = {
  'title.report': 'Ihr Röntgenbefund',
  'title.corrected': 'Korrigierter Befund: Ihr Röntgenbefund',
  'title.withdrawn': 'Mitteilung: Befund zurückgezogen',
  footer: 'Befund {id} · Fassung {version} · Seite {page} von {pages}',
  'label.patient': 'Patient/in',
  'label.patientId': 'Patienten-ID',
  'label.date': 'Datum der Aufnahme',
  'label.bodyPart': 'Körperteil',
  notRecorded: 'nicht erfasst',
  correctedBanner: 'Korrigierter Befund: Diese Fassung ersetzt den Befund, den Sie vorher erhalten haben.',
  'heading.conclusion': 'Ergebnis der Ärztin oder des Arztes',
  doctorNote: 'Anmerkung: ',
  'heading.ai': 'KI-Befund (Vorschlag des Computers, von der Ärztin oder dem Arzt geprüft)',
  'ai.confirmed': 'Die Ärztin oder der Arzt hat diesen KI-Befund bestätigt.',
  'ai.corrected': 'Die Ärztin oder der Arzt hat diesen KI-Befund korrigiert: Es gilt das Ergebnis oben.',
  'heading.images': 'Ihre Bilder',
  'heading.signed': 'Unterschrieben',
  signedBy: 'Unterschrieben von {name} am {date}.',
  signedByUser: 'Ärztin/Arzt {username}',
  reportLine: 'Befund {id}, Fassung {version}. KI-Modell {model}.',
  withdrawnReportLine: 'Befund {id}, Fassung {version}.',
  noImages: 'Es konnten keine Bilder gezeigt werden.',
  imageCaption: 'Bild {number} von {total}',
  imageHighlighted: ': Rot zeigt, wo die KI Zeichen eines Bruchs sah',
  'heading.meaning': 'Was das bedeutet',
  withdrawnText:
    'Der Röntgenbefund zu dieser Untersuchung wurde am {date} zurückgezogen, weil er irrtümlich ausgestellt wurde. ' +
    'Bitte verlassen Sie sich nicht mehr darauf. Ihr Behandlungsteam meldet sich, falls etwas zu tun ist.',
  'verdict.none': 'Auf dem Röntgenbild ({part}) wurde kein Knochenbruch (Fraktur) gefunden.',
  'verdict.one': 'Auf dem Röntgenbild ({part}) wurde ein Knochenbruch (Fraktur) gefunden.',
  'verdict.many': 'Auf dem Röntgenbild ({part}) wurde mehr als ein Knochenbruch (Fraktur) gefunden.',
  'ai.notAnalysed': 'Die KI hat diese Röntgenbilder nicht ausgewertet; die Ärztin oder der Arzt hat sie ohne KI gelesen.',
  'ai.noFracture': 'Die KI hat auf dem Röntgenbild ({part}) keinen Bruch markiert (ihr Wert für einen Bruch: {score} von 100).',
  'ai.fracture': 'Die KI hat auf dem Röntgenbild ({part}) einen Bruch vorgeschlagen (ihr Wert für einen Bruch: {score} von 100).',
  'ai.fractures': 'Die KI hat auf dem Röntgenbild ({part}) mehr als einen Bruch vorgeschlagen (ihr Wert für einen Bruch: {score} von 100).',
  'part.hand': 'Hand',
  'part.leg': 'Bein',
  'part.hip': 'Hüfte',
  'part.shoulder': 'Schulter',
  aiNote:
    'Zur KI: Ein Computerprogramm (künstliche Intelligenz) hat Ihr Röntgenbild vor der Ärztin oder dem Arzt angesehen. ' +
    'Es sucht nur nach Knochenbrüchen auf Röntgenbildern von Hand, Bein, Hüfte und Schulter und markiert Stellen, die einen zeigen könnten. ' +
    'Es stellt keine Diagnose, sucht nach keiner anderen Erkrankung und kann sich irren. ' +
    'Eine Ärztin oder ein Arzt hat Ihre Bilder angesehen, den Vorschlag der KI geprüft und das Ergebnis in diesem Befund geschrieben.',
};
