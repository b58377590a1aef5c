import type { Urgency } from '../logic/types';

export function UrgencyBadge({ urgency }: { urgency: Urgency }) {
  return <span class={`badge urgency-${urgency}`}>{urgency}</span>;
}

export function FractureBadge({ fracture }: { fracture: boolean }) {
  return fracture ? <span class="badge fracture">fracture suspected</span> : <span class="badge clear">no fracture</span>;
}
