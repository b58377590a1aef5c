import type { Urgency, WorklistItem } from './types';

const URGENCY_RANK: Record<Urgency, number> = { urgent: 0, soon: 1, routine: 2 };

/** Most urgent first; within one urgency the oldest first (it has waited longest). */
export function sortWorklist<T extends Pick<WorklistItem, 'urgency' | 'createdAt'>>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => URGENCY_RANK[a.urgency] - URGENCY_RANK[b.urgency] || Date.parse(a.createdAt) - Date.parse(b.createdAt));
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h": short enough for a table cell. */
export function formatDuration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export function ageSeconds(iso: string, now: Date = new Date()): number {
  return (now.getTime() - Date.parse(iso)) / 1000;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

export function countLabel(countClass: string): string {
  return countClass === '0' ? 'none' : countClass === '1' ? 'one' : 'two or more';
}

/** "2026-03-14 08:02 UTC": the same for every reader, whatever their time zone. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Axis labels for durations: tenths of a second below 10 s, so 0.5 s steps never print "1 s, 1 s". */
export function formatAxisDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  return formatDuration(seconds);
}
