import type { BodyPart, CountClass } from './types';

export interface AmendmentDraft {
  fracture: boolean;
  countClass: CountClass;
  bodyPart: BodyPart;
  conclusion: string;
}

/** Keeps the count consistent with the fracture answer, as the API requires (count 0 exactly when no fracture). */
export function withFracture(draft: AmendmentDraft, fracture: boolean): AmendmentDraft {
  if (fracture === draft.fracture) return draft;
  return { ...draft, fracture, countClass: fracture ? (draft.countClass === '0' ? '1' : draft.countClass) : '0' };
}

export function withCount(draft: AmendmentDraft, countClass: CountClass): AmendmentDraft {
  return { ...draft, countClass, fracture: countClass !== '0' };
}

export function amendmentProblems(draft: AmendmentDraft): string[] {
  const problems: string[] = [];
  if (draft.fracture !== (draft.countClass !== '0')) problems.push('The count must be "none" exactly when there is no fracture.');
  if (draft.conclusion.length > 4000) problems.push('The conclusion is longer than 4000 characters.');
  return problems;
}

/** The request body for POST /api/reports/:id/amend. */
export function amendmentBody(draft: AmendmentDraft): Record<string, unknown> {
  const conclusion = draft.conclusion.trim();
  return { fracture: draft.fracture, countClass: draft.countClass, bodyPart: draft.bodyPart, ...(conclusion ? { conclusion } : {}) };
}
