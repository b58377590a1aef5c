import type { DeliveryChannel, DeliveryContext, Sent, Settlement } from '../../src/deliveries/delivery-channel';
import { DeliveryErrorCode, DeliveryException } from '../../src/deliveries/delivery.exception';
import { runDelivery } from '../../src/deliveries/delivery-runner';
import { JobTargetGoneError, UnrecoverableJobError } from '../../src/jobs/job.exception';
import { failureOutcome } from '../../src/jobs/retry.policy';
import type { DeliveryState, Report } from '../../src/reports/report';
import { ReportErrorCode, ReportException } from '../../src/reports/report.exception';
import { draftReport } from '../support/report-fixture';

/** Reports in memory with ReportService's delivery bookkeeping. */
class FakeReports {
  readonly recorded: DeliveryState[] = [];
  constructor(public report: Report | undefined) {}
  async get(id: string): Promise<Report> {
    if (!this.report) throw new ReportException(ReportErrorCode.NotFound, `report ${id} not found`);
    return this.report;
  }
  async recordDelivery(_id: string, channel: string, state: DeliveryState): Promise<Report> {
    this.recorded.push(state);
    this.report = { ...(this.report as Report), deliveries: { ...(this.report as Report).deliveries, test: state } };
    return this.report;
  }
}

/** A channel that sends whatever `outcomes` says, in turn. */
class FakeChannel implements DeliveryChannel<string> {
  readonly channel = 'test';
  readonly sent: string[] = [];
  settlement: Settlement | undefined;
  constructor(private readonly outcomes: Array<Error | Sent>) {}
  settle(): Settlement | undefined {
    return this.settlement;
  }
  async build(context: DeliveryContext): Promise<string> {
    context.references = { planned: `v${context.report.contentVersion}` };
    await context.recordPending();
    return `message v${context.report.contentVersion}`;
  }
  async send(message: string): Promise<Sent> {
    this.sent.push(message);
    const outcome = this.outcomes.shift() ?? { references: { id: 'r-1' } };
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

const attempt = (number: number, maxAttempts = 3) => ({ reportId: 'r', attempt: number, maxAttempts });

describe('delivery runner (the steps every channel shares)', () => {
  it('ends the job quietly when the report is gone', async () => {
    await expect(runDelivery(new FakeReports(undefined), new FakeChannel([]), attempt(1))).rejects.toBeInstanceOf(JobTargetGoneError);
  });

  it('records pending, then delivered with the references the receiver gave, and sends a version once', async () => {
    const reports = new FakeReports(draftReport());
    const channel = new FakeChannel([{ references: { id: 'r-1' }, warning: 'stored with warnings: B007' }]);
    await runDelivery(reports, channel, attempt(1));
    await runDelivery(reports, channel, attempt(1));
    expect(channel.sent).toEqual(['message v1']);
    expect(reports.recorded.map((state) => [state.status, state.attempts, state.references, state.error])).toEqual([
      ['pending', 1, { planned: 'v1' }, undefined],
      ['delivered', 1, { id: 'r-1' }, 'stored with warnings: B007'],
    ]);
  });

  it('retries what may pass later, and records the last allowed attempt as dead', async () => {
    const reports = new FakeReports(draftReport());
    const down = (): Error => new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, 'receiver answered 503');
    const channel = new FakeChannel([down(), down()]);
    await expect(runDelivery(reports, channel, attempt(1, 2))).rejects.not.toBeInstanceOf(UnrecoverableJobError);
    expect(reports.recorded.at(-1)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'receiver answered 503',
      references: { planned: 'v1' },
    });
    await expect(runDelivery(reports, channel, attempt(2, 2))).rejects.toThrow('receiver answered 503');
    expect(reports.recorded.at(-1)).toMatchObject({ status: 'dead', attempts: 2 });
  });

  it('decides failed or dead once at the maximum age: the job worker, judging ms later, follows what the report records', async () => {
    const reports = new FakeReports(draftReport());
    const down = (): Error => new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, 'receiver answered 503');
    const channel = new FakeChannel([down(), down()]);
    const expiresAt = new Date(Date.now() + 60_000);
    const before = await runDelivery(reports, channel, { ...attempt(1, 5), expiresAt }).catch((error: unknown) => error);
    expect(reports.recorded.at(-1)).toMatchObject({ status: 'failed' });
    // The worker's own reading, after the maximum age passed in between: still a retry, as recorded.
    const afterExpiry = new Date(expiresAt.getTime() + 1);
    expect(failureOutcome(before, { attempt: 1, maxAttempts: 5, expiresAt }, afterExpiry)).toEqual({ kind: 'retry' });
    expect((before as Error).message).toBe('receiver answered 503');

    const expired = { ...attempt(2, 5), expiresAt: new Date(Date.now() - 1) };
    const after = await runDelivery(reports, channel, expired).catch((error: unknown) => error);
    expect(reports.recorded.at(-1)).toMatchObject({ status: 'dead' });
    expect(failureOutcome(after, { attempt: 2, maxAttempts: 5 })).toEqual({ kind: 'dead', reason: 'expired' });
  });

  it('keeps the message it built and one log entry per attempt: the error, then the answer', async () => {
    const reports = new FakeReports(draftReport());
    const down = new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, 'receiver answered 503');
    const channel = Object.assign(new FakeChannel([down, { references: { id: 'r-1' }, answer: 'ACK AA' }]), {
      describe: (built: string) => ({ contentType: 'text/plain', text: `${built}\n${'x'.repeat(40_000)}` }),
    });
    await expect(runDelivery(reports, channel, attempt(1))).rejects.toThrow('receiver answered 503');
    await runDelivery(reports, channel, attempt(2));
    const last = reports.recorded.at(-1) as DeliveryState;
    expect(last.status).toBe('delivered');
    expect(last.message).toMatchObject({ contentType: 'text/plain', truncated: true });
    expect(last.message?.text.startsWith('message v1\nxxx')).toBe(true);
    expect(last.message?.text.length).toBeLessThan(32_100);
    expect(last.log?.map((entry) => [entry.status, entry.answer, entry.error])).toEqual([
      ['failed', undefined, 'receiver answered 503'],
      ['delivered', 'ACK AA', undefined],
    ]);
  });

  it('keeps what a channel records while sending (in place of what it described), even when the send fails, and shortens a long answer', async () => {
    const reports = new FakeReports(draftReport());
    const refused = new DeliveryException(DeliveryErrorCode.ReceiverRefused, 'receiver answered 422');
    class SendTimeChannel extends FakeChannel {
      describe = (built: string) => ({ contentType: 'text/plain', text: built });
      override async send(message: string, context?: DeliveryContext): Promise<Sent> {
        context?.recordSent({ contentType: 'application/fhir+json', text: `{"round":${this.sent.length + 1}}` });
        return super.send(message);
      }
    }
    const channel = new SendTimeChannel([refused, { references: { id: 'r-1' }, answer: `200 ${'y'.repeat(10_000)}` }]);
    await expect(runDelivery(reports, channel, attempt(1))).rejects.toThrow('receiver answered 422');
    expect((reports.recorded.at(-1) as DeliveryState).message).toMatchObject({ contentType: 'application/fhir+json', text: '{"round":1}' });
    await runDelivery(reports, channel, attempt(2));
    const last = reports.recorded.at(-1) as DeliveryState;
    expect(last.message?.text).toBe('{"round":2}');
    expect(last.log?.at(-1)?.answer?.length).toBeLessThan(4_100);
    expect(last.log?.at(-1)?.answer).toMatch(/^200 y+\n… \(6004 more characters\)$/);
  });

  it('answers with the references when the channel says nothing, and keeps only the latest ten attempts', async () => {
    const reports = new FakeReports(draftReport());
    const channel = new FakeChannel(Array.from({ length: 11 }, () => new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, 'down')));
    for (let n = 1; n <= 11; n += 1) await runDelivery(reports, channel, attempt(n, 20)).catch(() => undefined);
    expect((reports.recorded.at(-1) as DeliveryState).log).toHaveLength(10);
    await runDelivery(reports, channel, attempt(12, 20));
    const last = reports.recorded.at(-1) as DeliveryState;
    expect(last.log?.at(-1)?.answer).toBe(JSON.stringify({ id: 'r-1' }, null, 2));
    expect(last.message).toBeUndefined();
  });

  it('dead-letters a refusal at once', async () => {
    const reports = new FakeReports(draftReport());
    const channel = new FakeChannel([new DeliveryException(DeliveryErrorCode.ReceiverRefused, 'receiver said AR')]);
    await expect(runDelivery(reports, channel, attempt(1))).rejects.toBeInstanceOf(UnrecoverableJobError);
    expect(reports.recorded.at(-1)).toMatchObject({ status: 'dead', error: 'receiver said AR' });
  });

  it('settles without sending: as an attempt when there is nothing to send, without one when the receiver is the source', async () => {
    const reports = new FakeReports(draftReport({ contentVersion: 2 }));
    const channel = new FakeChannel([]);
    channel.settlement = { kind: 'nothing-to-send', references: { skipped: 'never signed' } };
    await runDelivery(reports, channel, attempt(1));
    expect(reports.recorded.at(-1)).toMatchObject({ status: 'delivered', attempts: 1, references: { skipped: 'never signed' } });
    reports.report = { ...(reports.report as Report), contentVersion: 3 };
    channel.settlement = { kind: 'not-sent', references: { notSent: 'the verdict came from the RIS' } };
    await runDelivery(reports, channel, attempt(1));
    expect(reports.recorded.at(-1)).toMatchObject({ status: 'delivered', attempts: 0, contentVersion: 3 });
    expect(channel.sent).toEqual([]);
  });
});
