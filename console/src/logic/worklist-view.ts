import type { BodyPart, Urgency } from './types';

export type WorklistView = 'to-read' | 'mine' | 'signed' | 'all';

export interface ViewEntry {
  readonly view: WorklistView;
  readonly label: string;
  /** The key that switches to it. */
  readonly key: string;
}

export const VIEWS: readonly ViewEntry[] = [
  { view: 'to-read', label: 'To read', key: '1' },
  { view: 'mine', label: 'Mine', key: '2' },
  { view: 'signed', label: 'Signed', key: '3' },
  { view: 'all', label: 'All', key: '4' },
];

export interface WorklistFilters {
  readonly search: string;
  readonly urgency: Urgency | '';
  readonly bodyPart: BodyPart | '';
  /** YYYY-MM-DD or empty. */
  readonly from: string;
  readonly to: string;
}

export const NO_FILTERS: WorklistFilters = { search: '', urgency: '', bodyPart: '', from: '', to: '' };

const VIEW_QUERY: Record<WorklistView, Record<string, string>> = {
  'to-read': { status: 'preliminary', order: 'urgency' },
  mine: { status: 'preliminary', assignedTo: 'me', order: 'urgency' },
  signed: { status: 'final,amended', order: 'newest' },
  all: { order: 'newest' },
};

/** The API path of a worklist page: the view's statuses and order plus the filters that are set. */
export function worklistPath(view: WorklistView, filters: WorklistFilters, limit = 200): string {
  const query = new URLSearchParams({ ...VIEW_QUERY[view], limit: String(limit) });
  if (filters.search.trim()) query.set('q', filters.search.trim());
  if (filters.urgency) query.set('urgency', filters.urgency);
  if (filters.bodyPart) query.set('bodyPart', filters.bodyPart);
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  return `/api/reports?${query.toString()}`;
}

export function activeFilterCount(filters: WorklistFilters): number {
  return [filters.search.trim(), filters.urgency, filters.bodyPart, filters.from, filters.to].filter((value) => value !== '').length;
}

/** DICOM names are `Family^Given^Middle`: shown as "Family, Given Middle". */
export function personName(dicomName: string | undefined): string {
  if (!dicomName) return '—';
  const [family = '', ...given] = dicomName.split('^').map((part) => part.trim());
  const rest = given.filter((part) => part.length > 0).join(' ');
  return rest ? `${family}, ${rest}` : family || '—';
}

/** DICOM dates (YYYYMMDD) and ISO days (YYYY-MM-DD) shown as YYYY-MM-DD. */
export function isoDay(value: string | undefined): string {
  if (!value) return '—';
  const dicom = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (dicom) return `${dicom[1]}-${dicom[2]}-${dicom[3]}`;
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return iso ? (iso[1] as string) : value;
}
