import { Injectable } from '@nestjs/common';
import type { AuditActor, AuditEntry, AuditSearch } from './audit-entry';
import { AuditRepository } from './audit.repository';

export interface AuditEvent {
  readonly actor: AuditActor;
  /** `<resource>.<verb>`, e.g. `report.read`, `report.confirm`, `user.create`. */
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** Ids, counts and codes only: never patient names, birth dates or report text. */
  readonly details?: Record<string, unknown>;
}

/** Who did what to which record, and when. */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /**
   * Awaited by callers on purpose: if the entry cannot be written the action fails with it,
   * so nothing audited happens unrecorded.
   */
  async record(event: AuditEvent): Promise<AuditEntry> {
    return this.audit.insert({
      actorId: event.actor.id,
      actorUsername: event.actor.username,
      actorRole: event.actor.role,
      action: event.action,
      resourceType: event.resourceType,
      resourceId: event.resourceId,
      ...(event.details !== undefined ? { details: event.details } : {}),
      at: new Date(),
    });
  }

  async search(search: AuditSearch): Promise<{ items: AuditEntry[]; total: number }> {
    return this.audit.search(search);
  }
}
