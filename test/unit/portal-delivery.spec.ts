import { loadAppConfig } from '../../src/config/app-config';
import type { JobHandlerRegistry } from '../../src/jobs/job-handler.registry';
import type { JobQueueService } from '../../src/jobs/job-queue.service';
import { JobTargetGoneError, UnrecoverableJobError } from '../../src/jobs/job.exception';
import type { DeliveryState, Report } from '../../src/reports/report';
import type { ReportEvents } from '../../src/reports/report-events';
import type { ReportService } from '../../src/reports/report.service';
import { DeliveryScheduler, deliveryJobKey } from '../../src/deliveries/delivery-scheduler';
import { DELIVERABLE_STATUSES } from '../../src/portal/release.policy';
import type { PatientPdf, PatientPdfService } from '../../src/portal/patient-pdf.service';
import { PortalDeliveryService } from '../../src/portal/portal-delivery.service';
import type { PortalLinkService } from '../../src/portal/portal-link.service';
import type { PortalWebhookClient, WebhookOutcome } from '../../src/portal/portal-webhook.client';
import { signedReport } from './portal-fixtures';

/** Reports in memory with ReportService's delivery bookkeeping. */
class FakeReports {
  readonly recorded: DeliveryState[] = [];
  constructor(public report: Report) {}
  async get(): Promise<Report> {
    return this.report;
  }
  async recordDelivery(_id: string, channel: string, state: DeliveryState): Promise<Report> {
    this.recorded.push(state);
    this.report = { ...this.report, deliveries: { ...this.report.deliveries, [channel]: state } };
    return this.report;
  }
}

class FakeWebhook {
  readonly bodies: string[] = [];
  enabled = true;
  constructor(private readonly outcomes: WebhookOutcome[]) {}
  async post(body: string): Promise<WebhookOutcome> {
    this.bodies.push(body);
    return this.outcomes.shift() ?? { kind: 'accepted', status: 200 };
  }
}

class FakeLinks {
  readonly calls: string[] = [];
  async issue(report: Report): Promise<{ url: string; expiresAt: Date }> {
    this.calls.push(`issue v${report.contentVersion}`);
    return { url: `/portal/token-v${report.contentVersion}`, expiresAt: new Date('2026-04-13T09:26:00Z') };
  }
  async revokeSuperseded(report: Report): Promise<number> {
    this.calls.push(`revoke below v${report.contentVersion}`);
    return 0;
  }
  async revokeAll(): Promise<number> {
    this.calls.push('revoke all');
    return 0;
  }
}

const fakePdfs = {
  async render(report: Report): Promise<PatientPdf> {
    const pdf = Buffer.from('%PDF-1.3 fake');
    return { kind: 'report', reportId: report.id, contentVersion: report.contentVersion, pdf, sha256: 'f'.repeat(64), filename: 'x.pdf' };
  },
};

function delivery(
  report: Report,
  outcomes: WebhookOutcome[] = [],
): { service: PortalDeliveryService; reports: FakeReports; webhook: FakeWebhook; links: FakeLinks } {
  const reports = new FakeReports(report);
  const webhook = new FakeWebhook(outcomes);
  const links = new FakeLinks();
  const service = new PortalDeliveryService(
    reports as unknown as ReportService,
    fakePdfs as unknown as PatientPdfService,
    links as unknown as PortalLinkService,
    webhook as unknown as PortalWebhookClient,
  );
  return { service, reports, webhook, links };
}

describe('portal delivery', () => {
  const attempt = (report: Report, number = 1): { reportId: string; attempt: number; maxAttempts: number } => ({
    reportId: report.id,
    attempt: number,
    maxAttempts: 3,
  });

  it('replaces the link, posts the document and records it delivered for the current version', async () => {
    const report = signedReport();
    const { service, reports, webhook, links } = delivery(report);
    await service.deliver(attempt(report));
    expect(links.calls).toEqual(['revoke below v2', 'issue v2']);
    expect(JSON.parse(webhook.bodies[0]!)).toMatchObject({
      kind: 'report',
      reportId: report.id,
      contentVersion: 2,
      link: { url: '/portal/token-v2' },
    });
    expect(reports.recorded).toEqual([expect.objectContaining({ status: 'delivered', contentVersion: 2, attempts: 1, error: undefined })]);
  });

  it('does not post again what the portal already has', async () => {
    const { service, reports, webhook } = delivery(signedReport());
    await service.deliver(attempt(reports.report));
    await service.deliver(attempt(reports.report));
    expect(webhook.bodies).toHaveLength(1);
  });

  it('skips a preliminary report and records nothing', async () => {
    const report = signedReport({ status: 'preliminary', review: undefined, reviews: [] });
    const { service, reports, webhook } = delivery(report);
    await expect(service.deliver(attempt(report))).rejects.toBeInstanceOf(JobTargetGoneError);
    expect(webhook.bodies).toHaveLength(0);
    expect(reports.recorded).toHaveLength(0);
  });

  it('records a report withdrawn before anyone signed it as having nothing to send', async () => {
    const report = signedReport({ status: 'entered-in-error', review: undefined, reviews: [] });
    const { service, reports, webhook } = delivery(report);
    await service.deliver(attempt(report));
    expect(webhook.bodies).toHaveLength(0);
    expect(reports.recorded).toEqual([expect.objectContaining({ status: 'delivered', references: { kind: 'none' } })]);
  });

  it('dead-letters a 4xx at once and retries a 5xx, recording the last allowed attempt as dead', async () => {
    const rejected = delivery(signedReport(), [{ kind: 'rejected', status: 422, reason: 'portal answered HTTP 422' }]);
    await expect(rejected.service.deliver(attempt(signedReport()))).rejects.toBeInstanceOf(UnrecoverableJobError);
    expect(rejected.reports.recorded.at(-1)).toMatchObject({ status: 'dead', error: 'portal answered HTTP 422' });

    const down: WebhookOutcome = { kind: 'unavailable', reason: 'portal answered HTTP 503' };
    const flaky = delivery(signedReport(), [down, down]);
    const first = flaky.service.deliver(attempt(signedReport(), 2));
    await expect(first).rejects.not.toBeInstanceOf(UnrecoverableJobError);
    expect(flaky.reports.recorded.at(-1)).toMatchObject({ status: 'failed', attempts: 1 });
    await expect(flaky.service.deliver(attempt(signedReport(), 3))).rejects.toThrow('HTTP 503');
    expect(flaky.reports.recorded.at(-1)).toMatchObject({ status: 'dead', attempts: 2 });
  });

  it('revokes every link and sends no link with a withdrawal notice', async () => {
    const report = signedReport({ status: 'entered-in-error', contentVersion: 3 });
    const { service, webhook, links } = delivery(report);
    await service.deliver(attempt(report));
    expect(links.calls).toEqual(['revoke all']);
    expect(JSON.parse(webhook.bodies[0]!)).toMatchObject({ kind: 'withdrawn', contentVersion: 3 });
    expect(JSON.parse(webhook.bodies[0]!).link).toBeUndefined();
  });
});

describe('delivery sweep (shared by every channel)', () => {
  it('schedules each report a channel lags behind on, unless a job for it is already open', async () => {
    const behind = [signedReport({ id: 'a'.repeat(24) }), signedReport({ id: 'b'.repeat(24) })];
    const scheduled: string[] = [];
    const asked: unknown[] = [];
    const scheduler = new DeliveryScheduler(
      loadAppConfig({ OSTEON_PORTAL_MAX_AGE_HOURS: '48' }),
      { register: () => undefined } as unknown as JobHandlerRegistry,
      {
        hasOpenJob: async (key: string) => key === deliveryJobKey('deliver-portal', 'b'.repeat(24)),
        schedule: async (_type: string, key: string) => void scheduled.push(key),
      } as unknown as JobQueueService,
      { onChanged: () => undefined } as unknown as ReportEvents,
      {
        deliveryBacklog: async (...args: unknown[]) => {
          asked.push(args);
          return behind.map((report) => report.id);
        },
      } as unknown as ReportService,
    );
    const channel = scheduler.register({
      channel: 'portal',
      jobType: 'deliver-portal',
      statuses: DELIVERABLE_STATUSES,
      enabled: true,
      sweepMs: 3_600_000,
      deliver: async () => undefined,
    });
    scheduler.onApplicationShutdown();
    const sweptAt = Date.now();
    expect(await channel.sweep()).toBe(1);
    expect(scheduled).toEqual([deliveryJobKey('deliver-portal', 'a'.repeat(24))]);
    // Only reports changed within the portal's maximum age (48 h) are looked at.
    const [[name, statuses, since]] = asked as [[string, string[], Date]];
    expect([name, statuses]).toEqual(['portal', ['final', 'amended', 'entered-in-error']]);
    expect(Math.abs(sweptAt - 48 * 3_600_000 - since.getTime())).toBeLessThan(1000);
  });
});
