import { describe, expect, it } from 'vitest';
import { amendmentBody, amendmentProblems, withCount, withFracture, type AmendmentDraft } from '../src/logic/amendment';

const draft: AmendmentDraft = { fracture: true, countClass: '2+', bodyPart: 'leg', conclusion: '' };

describe('amendment form', () => {
  it('sets the count to none when the doctor says there is no fracture, and back to one when there is', () => {
    const none = withFracture(draft, false);
    expect(none).toMatchObject({ fracture: false, countClass: '0' });
    expect(withFracture(none, true)).toMatchObject({ fracture: true, countClass: '1' });
    expect(withFracture(draft, true)).toBe(draft);
  });

  it('derives the fracture answer from a chosen count', () => {
    expect(withCount(draft, '0')).toMatchObject({ fracture: false });
    expect(withCount({ ...draft, fracture: false, countClass: '0' }, '1')).toMatchObject({ fracture: true });
  });

  it('flags a count that contradicts the fracture answer', () => {
    expect(amendmentProblems({ ...draft, countClass: '0' })).toHaveLength(1);
    expect(amendmentProblems(draft)).toEqual([]);
  });

  it('sends a trimmed conclusion and leaves out an empty one', () => {
    expect(amendmentBody({ ...draft, conclusion: '  Tibial shaft fracture. ' })).toEqual({
      fracture: true,
      countClass: '2+',
      bodyPart: 'leg',
      conclusion: 'Tibial shaft fracture.',
    });
    expect(amendmentBody({ ...draft, conclusion: '   ' })).toEqual({ fracture: true, countClass: '2+', bodyPart: 'leg' });
  });
});
