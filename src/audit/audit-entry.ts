import type { Role } from '../access/role';

export interface NewAuditEntry {
  readonly actorId: string;
  readonly actorUsername: string;
  readonly actorRole: Role;
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
