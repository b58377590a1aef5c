import type { BodyPart, CountClass, Urgency } from './findings';

export interface UrgencyRules {
  /** Positive findings in these body parts are urgent (default: hip). */
  readonly urgentBodyParts: readonly string[];
  /** A positive with at least this many fractures is urgent (default: 2+). */
  readonly urgentMinCountClass: '1' | '2+' | 'never';
}

const COUNT_RANK: Record<CountClass, number> = { '0': 0, '1': 1, '2+': 2 };

export const URGENCY_RANK: Record<Urgency, number> = { urgent: 0, soon: 1, routine: 2 };

/**
 * The documented triage rule: a positive in an urgent body part (hip/pelvis by default) or
 * with 2+ fractures is urgent; any other positive is soon; a negative is routine.
 */
export function urgencyOf(fracture: boolean, countClass: CountClass, bodyPart: BodyPart, rules: UrgencyRules): Urgency {
  if (!fracture) return 'routine';
  if (rules.urgentBodyParts.includes(bodyPart)) return 'urgent';
  if (rules.urgentMinCountClass !== 'never' && COUNT_RANK[countClass] >= COUNT_RANK[rules.urgentMinCountClass]) return 'urgent';
  return 'soon';
}
