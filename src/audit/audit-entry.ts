import type { Role } from '../access/role';

/** A signed-in user, or who acted without an account: `anonymous` (a failed login), `system` (a peer such as the RIS). */
export type AuditActorRole = Role | 'anonymous' | 'system';

export interface AuditActor {
  readonly id: string;
  readonly username: string;
  readonly role: AuditActorRole;
}

export interface NewAuditEntry {
  readonly actorId: string;
  readonly actorUsername: string;
  readonly actorRole: AuditActorRole;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** Ids, counts and codes only: never patient names, birth dates or report text. */
  readonly details?: Record<string, unknown>;
  readonly at: Date;
}

export interface AuditEntry extends NewAuditEntry {
  readonly id: string;
}

export interface AuditSearch {
  readonly actorId?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly action?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly offset: number;
  readonly limit: number;
}
