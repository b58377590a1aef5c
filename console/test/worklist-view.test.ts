import { describe, expect, it } from 'vitest';
import { activeFilterCount, isoDay, NO_FILTERS, personName, worklistPath } from '../src/logic/worklist-view';

describe('worklist views and filters', () => {
  it('asks for the preliminary reports in reading order, mine among them, and the signed ones newest first', () => {
    expect(worklistPath('to-read', NO_FILTERS)).toBe('/api/reports?status=preliminary&order=urgency&limit=200');
    expect(worklistPath('mine', NO_FILTERS)).toContain('assignedTo=me');
    expect(worklistPath('signed', NO_FILTERS)).toBe('/api/reports?status=final%2Camended&order=newest&limit=200');
    expect(worklistPath('all', NO_FILTERS)).toBe('/api/reports?order=newest&limit=200');
  });

  it('adds only the filters that are set, the search trimmed', () => {
    const path = worklistPath('all', { search: ' anna ', urgency: 'urgent', bodyPart: 'hip', from: '2026-03-01', to: '' });
    expect(new URL(path, 'http://x').searchParams.toString()).toBe(
      'order=newest&limit=200&q=anna&urgency=urgent&bodyPart=hip&from=2026-03-01',
    );
    expect(activeFilterCount({ ...NO_FILTERS, search: '  ' })).toBe(0);
    expect(activeFilterCount({ ...NO_FILTERS, urgency: 'soon', to: '2026-03-02' })).toBe(2);
  });

  it('shows DICOM names and dates the way people read them', () => {
    expect(personName('KONSOLE^ANNA')).toBe('KONSOLE, ANNA');
    expect(personName('Müller^Zoë^Łukasz')).toBe('Müller, Zoë Łukasz');
    expect(personName('SOLO')).toBe('SOLO');
    expect(personName(undefined)).toBe('—');
    expect(isoDay('19750630')).toBe('1975-06-30');
    expect(isoDay('2026-03-14T08:00:00.000Z')).toBe('2026-03-14');
    expect(isoDay(undefined)).toBe('—');
  });
});
