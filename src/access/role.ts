/** Who may do what is decided per route with `@Roles(...)`; these are all the roles there are. */
export const ROLES = ['admin-worker', 'doctor', 'patient', 'operator'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
