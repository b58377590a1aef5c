import { describe, expect, it } from 'vitest';
import { moveSelection, reportCommand, worklistCommand } from '../src/logic/keys';

describe('keyboard shortcuts', () => {
  it('maps j/k, Enter, t, / and the view keys on the worklist, and never signs from it', () => {
    expect(worklistCommand({ key: 'j' })).toBe('next');
    expect(worklistCommand({ key: 'k' })).toBe('previous');
    expect(worklistCommand({ key: 'Enter' })).toBe('open');
    expect(worklistCommand({ key: 't' })).toBe('take');
    expect(worklistCommand({ key: '/' })).toBe('search');
    expect(worklistCommand({ key: '3' })).toBe('view-3');
    expect(worklistCommand({ key: 'a' })).toBeUndefined();
    expect(worklistCommand({ key: 'x' })).toBeUndefined();
  });

  it('maps a (sign, with undo), u (undo) and t (take or release) on a report', () => {
    expect(reportCommand({ key: 'a' })).toBe('agree');
    expect(reportCommand({ key: 'u' })).toBe('undo');
    expect(reportCommand({ key: 't' })).toBe('take');
    expect(reportCommand({ key: 'Escape' })).toBe('back');
  });

  it('never fires while the user types in a field or holds a modifier', () => {
    expect(worklistCommand({ key: 'a', target: { tagName: 'TEXTAREA' } })).toBeUndefined();
    expect(reportCommand({ key: 'a', target: { tagName: 'input' } })).toBeUndefined();
    expect(reportCommand({ key: 'a', target: { tagName: 'DIV', isContentEditable: true } })).toBeUndefined();
    expect(reportCommand({ key: 'a', ctrlKey: true })).toBeUndefined();
    expect(reportCommand({ key: 'a', target: { tagName: 'BODY' } })).toBe('agree');
    expect(reportCommand({ key: 'h' })).toBe('toggle-heatmap');
  });

  it('keeps the selection inside the list', () => {
    expect(moveSelection(0, 3, 'previous')).toBe(0);
    expect(moveSelection(0, 3, 'next')).toBe(1);
    expect(moveSelection(2, 3, 'next')).toBe(2);
    expect(moveSelection(0, 0, 'next')).toBe(0);
  });
});
