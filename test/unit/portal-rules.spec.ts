import type { AppConfig } from '../../src/config/app-config';
import { PortalErrorCode } from '../../src/portal/portal.exception';
import type { PortalLinkRecord, PortalLinkRepository } from '../../src/portal/portal-link.repository';
import { PortalLinkService, tokenHash } from '../../src/portal/portal-link.service';
import { patientDocumentKind } from '../../src/portal/release.policy';
import { verifyWebhookSignature, webhookSignature } from '../../src/portal/webhook-signature';
import { review, signedReport } from './portal-fixtures';

/** The links collection in memory, with the repository's contract. */
class InMemoryLinks {
  readonly records: PortalLinkRecord[] = [];
  async insert(record: PortalLinkRecord): Promise<void> {
    this.records.push(record);
  }
  async findByTokenHash(hash: string): Promise<PortalLinkRecord | undefined> {
    return this.records.find((record) => record.tokenHash === hash);
  }
  async revokeOlderThan(reportId: string, contentVersion: number, at: Date): Promise<number> {
    let count = 0;
    this.records.forEach((record, index) => {
      if (record.reportId !== reportId || record.revoked || record.contentVersion >= contentVersion) return;
      this.records[index] = { ...record, revoked: true, revokedAt: at };
      count += 1;
    });
    return count;
  }
}

describe('release rule', () => {
  it('releases nothing for a preliminary report', () => {
    expect(patientDocumentKind(signedReport({ status: 'preliminary', review: undefined, reviews: [] }))).toBeUndefined();
  });

  it('releases the report once a doctor signed it, confirmed or amended', () => {
    expect(patientDocumentKind(signedReport({ status: 'final' }))).toBe('report');
    expect(patientDocumentKind(signedReport({ status: 'amended' }))).toBe('report');
  });

  it('calls a second signature a corrected report', () => {
    expect(patientDocumentKind(signedReport({ status: 'amended', reviews: [review(), review({ agreed: false })] }))).toBe('corrected');
  });

  it('sends a withdrawal notice only for a report that had been signed', () => {
    expect(patientDocumentKind(signedReport({ status: 'entered-in-error' }))).toBe('withdrawn');
    expect(patientDocumentKind(signedReport({ status: 'entered-in-error', review: undefined, reviews: [] }))).toBeUndefined();
  });
});

describe('patient links', () => {
  const config = { portal: { linkTtlHours: 2, publicBaseUrl: 'https://portal.example.org' } } as unknown as AppConfig;
  let now: Date;
  let links: InMemoryLinks;
  let service: PortalLinkService;

  beforeEach(() => {
    now = new Date('2026-03-14T10:00:00Z');
    links = new InMemoryLinks();
    service = new PortalLinkService(config, links as unknown as PortalLinkRepository, () => now);
  });

  const tokenOf = (url: string): string => url.split('/portal/')[1] as string;

  it('issues an unguessable base64url token of 32 random bytes and stores only its hash', async () => {
    const first = await service.issue(signedReport());
    const second = await service.issue(signedReport());
    const token = tokenOf(first.url);
    expect(first.url).toMatch(/^https:\/\/portal\.example\.org\/portal\/[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(tokenOf(second.url)).not.toBe(token);
    expect(JSON.stringify(links.records)).not.toContain(token);
    expect(links.records[0]!.tokenHash).toBe(tokenHash(token));
    expect(first.expiresAt.toISOString()).toBe('2026-03-14T12:00:00.000Z');
  });

  it('resolves a live token and refuses it once expired, like an unknown one', async () => {
    const { url } = await service.issue(signedReport());
    await expect(service.resolve(tokenOf(url))).resolves.toMatchObject({ reportId: signedReport().id, contentVersion: 2 });
    now = new Date('2026-03-14T12:00:00Z');
    await expect(service.resolve(tokenOf(url))).rejects.toMatchObject({ code: PortalErrorCode.LinkNotFound, message: 'no such link' });
    await expect(service.resolve('A'.repeat(43))).rejects.toMatchObject({ code: PortalErrorCode.LinkNotFound, message: 'no such link' });
    await expect(service.resolve('../../etc/passwd')).rejects.toMatchObject({
      code: PortalErrorCode.LinkNotFound,
      message: 'no such link',
    });
  });

  it('revokes the links of older versions when a corrected version replaces them', async () => {
    const old = await service.issue(signedReport({ contentVersion: 2 }));
    const current = await service.issue(signedReport({ contentVersion: 4 }));
    expect(await service.revokeSuperseded(signedReport({ contentVersion: 4 }))).toBe(1);
    await expect(service.resolve(tokenOf(old.url))).rejects.toMatchObject({ code: PortalErrorCode.LinkNotFound });
    await expect(service.resolve(tokenOf(current.url))).resolves.toMatchObject({ contentVersion: 4 });
    expect(await service.revokeAll(signedReport().id)).toBe(1);
    await expect(service.resolve(tokenOf(current.url))).rejects.toMatchObject({ code: PortalErrorCode.LinkNotFound });
  });
});

describe('webhook signature', () => {
  const secret = 'portal-secret-0123456789abcdef0123456789';

  it('signs the timestamp and the body, so changing either breaks it', () => {
    const signature = webhookSignature(secret, '1773482760', '{"reportId":"1"}');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, '1773482760', '{"reportId":"1"}', signature)).toBe(true);
    expect(verifyWebhookSignature(secret, '1773482761', '{"reportId":"1"}', signature)).toBe(false);
    expect(verifyWebhookSignature(secret, '1773482760', '{"reportId":"2"}', signature)).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, '1773482760', '{"reportId":"1"}', signature)).toBe(false);
  });
});
