import type { Role } from './role';

/** The caller of a request, as the auth guard resolved it (`@CurrentUser()`). */
export interface AuthenticatedUser {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly displayName?: string;
  /** Set for role `patient` only: the patient whose records this user may see. */
  readonly patientId?: string;
}

/** The identity behind `OSTEON_OPERATOR_API_KEY`; audit entries show it as this id. */
export const OPERATOR_API_KEY_USER: AuthenticatedUser = Object.freeze({
  id: 'operator-api-key',
  username: 'operator',
  role: 'operator',
});
