import { moduleLogger } from '../common/logger';
import { JobTargetGoneError, UnrecoverableJobError } from '../jobs/job.exception';
import { DecidedFailure, failureOutcome } from '../jobs/retry.policy';
import type { DeliveredMessageRecord, DeliveryLogEntry, DeliveryState, Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import type { DeliveryAttempt, DeliveryChannel, DeliveryContext, DeliveryReports, Sent, Settlement } from './delivery-channel';
import { answerOf, messageRecord, withLogEntry } from './delivered-message';

const logger = moduleLogger('deliveries');

/** The receiver already has this content (or newer): nothing to send again. */
export function isDelivered(previous: DeliveryState | undefined, report: Report): boolean {
  return previous?.status === 'delivered' && previous.contentVersion >= report.contentVersion;
}

async function loadReport(reports: DeliveryReports, reportId: string): Promise<Report> {
  try {
    return await reports.get(reportId);
  } catch (error) {
    if (error instanceof ReportException && error.code === ReportErrorCode.NotFound) throw new JobTargetGoneError(error.message);
    throw error;
  }
}

/** Attempt bookkeeping in `deliveries.<channel>`: attempts count per content version. */
class AttemptRecord {
  private readonly base: Pick<DeliveryState, 'contentVersion' | 'attempts' | 'lastAttemptAt' | 'deliveredAt'>;
  /** The message this attempt built, once the channel described it; else the one kept before. */
  message: DeliveredMessageRecord | undefined;

  constructor(
    private readonly reports: DeliveryReports,
    private readonly channel: string,
    private readonly report: Report,
    private readonly previous: DeliveryState | undefined,
  ) {
    const sameVersion = previous?.contentVersion === report.contentVersion;
    this.base = {
      contentVersion: report.contentVersion,
      attempts: sameVersion && previous ? previous.attempts + 1 : 1,
      lastAttemptAt: new Date(),
      deliveredAt: previous?.deliveredAt,
    };
    this.message = previous?.message;
  }

  settled(settlement: Settlement): Promise<void> {
    switch (settlement.kind) {
      case 'nothing-to-send':
        return this.write(
          { ...this.base, status: 'delivered', deliveredAt: new Date(), error: undefined, references: settlement.references },
          { answer: 'nothing to send', error: undefined },
        );
      case 'not-sent':
        return this.write({
          status: 'delivered',
          contentVersion: this.report.contentVersion,
          attempts: 0,
          lastAttemptAt: this.previous?.lastAttemptAt,
          deliveredAt: this.previous?.deliveredAt,
          error: undefined,
          references: settlement.references,
        });
    }
  }

  pending(references: DeliveryState['references']): Promise<void> {
    return this.write({ ...this.base, status: 'pending', error: undefined, references });
  }

  delivered(sent: Sent): Promise<void> {
    return this.write(
      { ...this.base, status: 'delivered', deliveredAt: new Date(), error: sent.warning, references: sent.references },
      { answer: answerOf(sent), error: sent.warning },
    );
  }

  failed(status: 'failed' | 'dead', error: string, references: DeliveryState['references']): Promise<void> {
    return this.write({ ...this.base, status, error, references }, { answer: undefined, error });
  }

  /** Writes the state with the kept message and, for an attempt that ended, its log entry. */
  private async write(state: Omit<DeliveryState, 'message' | 'log'>, ended?: Pick<DeliveryLogEntry, 'answer' | 'error'>): Promise<void> {
    const status = state.status;
    const log =
      ended && status !== 'pending'
        ? withLogEntry(this.previous, { at: new Date(), contentVersion: this.report.contentVersion, status, ...ended })
        : this.previous?.log;
    await this.reports.recordDelivery(this.report.id, this.channel, {
      ...state,
      ...(this.message ? { message: this.message } : {}),
      ...(log ? { log } : {}),
    });
  }
}

/**
 * One delivery attempt of one report over one channel, the same for every channel: load the report
 * (gone: the job ends quietly), skip content the receiver has, let the channel settle, build and
 * send, and record the outcome. A failure is recorded as `failed` (retried) or `dead`, by the one
 * retry policy (jobs/retry.policy.ts); a permanent one leaves as UnrecoverableJobError, any other
 * as a DecidedFailure the job worker follows.
 */
export async function runDelivery<Built>(
  reports: DeliveryReports,
  channel: DeliveryChannel<Built>,
  attempt: DeliveryAttempt,
): Promise<void> {
  const report = await loadReport(reports, attempt.reportId);
  const previous = report.deliveries[channel.channel] as DeliveryState | undefined;
  const log = logger.child({ channel: channel.channel, reportId: report.id, contentVersion: report.contentVersion });
  if (isDelivered(previous, report)) {
    log.debug({ deliveredVersion: previous?.contentVersion }, 'receiver already has this content');
    return;
  }
  const record = new AttemptRecord(reports, channel.channel, report, previous);
  const settlement = channel.settle?.(report, previous);
  if (settlement) {
    await record.settled(settlement);
    log.info({ settlement: settlement.kind }, 'delivery settled without sending');
    return;
  }
  const context: DeliveryContext = {
    report,
    previous,
    references: previous?.references ?? {},
    recordPending: () => record.pending(context.references),
    recordSent: (message) => {
      record.message = messageRecord(message, new Date());
    },
  };
  try {
    const built = await channel.build(context);
    if (channel.describe) record.message = messageRecord(channel.describe(built), new Date());
    const sent = await channel.send(built, context);
    await record.delivered(sent);
    log.info({ attempt: attempt.attempt, warning: sent.warning }, 'delivered');
  } catch (error) {
    if (error instanceof JobTargetGoneError) throw error;
    const message = (error as Error).message;
    const outcome = failureOutcome(error, attempt);
    await record.failed(outcome.kind === 'dead' ? 'dead' : 'failed', message, context.references);
    log.warn({ attempt: attempt.attempt, err: message, outcome: outcome.kind === 'dead' ? outcome.reason : 'retry' }, 'delivery failed');
    if (outcome.kind === 'dead' && outcome.reason === 'permanent') throw new UnrecoverableJobError(message, { cause: error });
    // The outcome just recorded is the job's too: the worker must not judge the maximum age again ms later.
    throw new DecidedFailure(outcome, error);
  }
}
