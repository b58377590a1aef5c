import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { Report } from '../reports/report';
import { PortalErrorCode, PortalException } from './portal.exception';
import { PortalLinkRepository, type PortalLinkRecord } from './portal-link.repository';

export interface IssuedLink {
  readonly url: string;
  readonly expiresAt: Date;
}

/** 32 random bytes, base64url: 43 characters. Anything else is refused before the database. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Optional provider: tests pass a clock to check expiry without waiting. */
export const PORTAL_CLOCK = Symbol('PORTAL_CLOCK');

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Unguessable, expiring patient links to a report's PDF. The token is shown once (in the
 * delivery) and stored only as a hash; a new version of the report revokes the older links.
 */
@Injectable()
export class PortalLinkService {
  private readonly clock: () => Date;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly links: PortalLinkRepository,
    @Optional() @Inject(PORTAL_CLOCK) clock?: () => Date,
  ) {
    this.clock = clock ?? (() => new Date());
  }

  async issue(report: Report): Promise<IssuedLink> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.config.portal.linkTtlHours * 3_600_000);
    await this.links.insert({
      tokenHash: tokenHash(token),
      reportId: report.id,
      patientId: report.patient.patientId,
      contentVersion: report.contentVersion,
      createdAt: now,
      expiresAt,
      revoked: false,
      revokedAt: undefined,
    });
    return { url: `${this.config.portal.publicBaseUrl ?? ''}/portal/${token}`, expiresAt };
  }

  /** The live link for a token; unknown, expired and revoked tokens fail the same way. */
  async resolve(token: string): Promise<PortalLinkRecord> {
    const notFound = new PortalException(PortalErrorCode.LinkNotFound, 'no such link');
    if (!TOKEN_PATTERN.test(token)) throw notFound;
    const link = await this.links.findByTokenHash(tokenHash(token));
    if (!link || link.revoked || link.expiresAt.getTime() <= this.clock().getTime()) throw notFound;
    return link;
  }

  /** A newer version replaces the links to older ones. */
  async revokeSuperseded(report: Report): Promise<number> {
    return this.links.revokeOlderThan(report.id, report.contentVersion, this.clock());
  }

  async revokeAll(reportId: string): Promise<number> {
    return this.links.revokeOlderThan(reportId, Infinity, this.clock());
  }
}
