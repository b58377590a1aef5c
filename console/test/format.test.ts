import { describe, expect, it } from 'vitest';
import { countLabel, formatDuration, formatPercent, sortWorklist } from '../src/logic/format';

describe('worklist order', () => {
  it('puts urgent reports first and, within one urgency, the one waiting longest', () => {
    const items = [
      { id: 'routine-old', urgency: 'routine' as const, createdAt: '2026-01-01T08:00:00Z' },
      { id: 'urgent-new', urgency: 'urgent' as const, createdAt: '2026-01-01T10:00:00Z' },
      { id: 'soon', urgency: 'soon' as const, createdAt: '2026-01-01T07:00:00Z' },
      { id: 'urgent-old', urgency: 'urgent' as const, createdAt: '2026-01-01T09:00:00Z' },
    ];
    expect(sortWorklist(items).map((item) => item.id)).toEqual(['urgent-old', 'urgent-new', 'soon', 'routine-old']);
  });

  it('does not reorder the list it was given', () => {
    const items = [
      { urgency: 'routine' as const, createdAt: '2026-01-01T08:00:00Z' },
      { urgency: 'urgent' as const, createdAt: '2026-01-01T08:00:00Z' },
    ];
    sortWorklist(items);
    expect(items[0]?.urgency).toBe('routine');
  });
});

describe('formatting', () => {
  it('writes durations short enough for a table cell', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(12 * 60 + 5)).toBe('12 min');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(formatDuration(2 * 86400)).toBe('2 d');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 59)).toBe('2 d 4 h');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(-3)).toBe('0 s');
  });

  it('writes probabilities as whole percentages and counts in words', () => {
    expect(formatPercent(0.214)).toBe('21%');
    expect(formatPercent(1)).toBe('100%');
    expect(countLabel('0')).toBe('none');
    expect(countLabel('2+')).toBe('two or more');
  });
});
