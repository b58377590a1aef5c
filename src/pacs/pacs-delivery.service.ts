import { Inject, Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import { isPermanent } from '../common/osteon.exception';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { generateUid } from '../dicom/uid';
import { JobTargetGoneError, UnrecoverableJobError } from '../jobs/job.exception';
import type { DeliveryState, Report } from '../reports/report';
import { ReportErrorCode, ReportException } from '../reports/report.exception';
import { ReportService } from '../reports/report.service';
import { planDelivery, referencesAfterDelivery, type DeliveryPlan, type PacsReferences } from './pacs-delivery.plan';
import { ResultObjectsFactory } from './result-objects.factory';
import { deliveryOutcomeOf } from './store-outcome';
import { StoreScuClient } from './store-scu.client';

export const PACS_CHANNEL = 'pacs';

export interface PacsDeliveryAttempt {
  readonly reportId: string;
  /** The job's attempt number and budget: the last failed attempt is recorded as dead. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/**
 * Sends a report's current results to the PACS over C-STORE and records what the PACS said
 * in `deliveries.pacs`: delivered only when every object was stored (warnings kept), retried
 * on A7xx and network errors, dead-lettered on refusals.
 */
@Injectable()
export class PacsDeliveryService {
  private readonly logger = moduleLogger('pacs');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly factory: ResultObjectsFactory,
    private readonly scu: StoreScuClient,
  ) {}

  get enabled(): boolean {
    return this.config.pacs !== undefined;
  }

  async deliver(attempt: PacsDeliveryAttempt): Promise<void> {
    const target = this.config.pacs;
    if (!target) throw new JobTargetGoneError('the PACS channel is not configured');
    const report = await this.load(attempt.reportId);
    const previous = report.deliveries[PACS_CHANNEL] as DeliveryState | undefined;
    if (previous?.status === 'delivered' && previous.contentVersion >= report.contentVersion) {
      this.logger.debug(
        { reportId: report.id, contentVersion: report.contentVersion, deliveredVersion: previous.contentVersion },
        'PACS already has this content',
      );
      return;
    }
    const references = (previous?.references ?? {}) as PacsReferences;
    const plan = planDelivery(report, references, generateUid);
    const attempts = previous?.contentVersion === report.contentVersion ? previous.attempts + 1 : 1;
    const base = { contentVersion: report.contentVersion, attempts, lastAttemptAt: new Date(), deliveredAt: previous?.deliveredAt };
    // The plan (its UIDs) is durable before anything is sent: a retry re-sends the same objects.
    await this.reports.recordDelivery(report.id, PACS_CHANNEL, {
      ...base,
      status: 'pending',
      error: undefined,
      references: { ...references, planned: plan },
    });
    const log = this.logger.child({
      reportId: report.id,
      studyInstanceUid: report.studyInstanceUid,
      contentVersion: report.contentVersion,
      plan: plan.kind,
    });

    let built;
    try {
      built = await this.factory.build(report, plan, new Date());
    } catch (error) {
      const message = (error as Error).message;
      const unrecoverable = isPermanent(error);
      await this.fail(report, base, references, plan, message, unrecoverable || attempt.attempt >= attempt.maxAttempts);
      log.error({ err: message }, 'PACS objects could not be made');
      throw unrecoverable ? new UnrecoverableJobError(message) : error;
    }

    if (built.objects.length > 0) {
      const result = await this.scu.send(
        {
          host: target.host,
          port: target.port,
          calledAeTitle: target.calledAeTitle,
          callingAeTitle: target.callingAeTitle,
          timeoutMs: target.timeoutMs,
        },
        built.objects,
      );
      const outcome = deliveryOutcomeOf(
        result,
        built.objects.map((object) => object.sopInstanceUid),
      );
      switch (outcome.kind) {
        case 'delivered':
          await this.succeed(report, base, references, plan, built.sent, outcome.warnings);
          log.info(
            { objects: built.sent.map((object) => object.sopInstanceUid), warnings: outcome.warnings.length },
            'results stored in the PACS',
          );
          return;
        case 'retry':
          await this.fail(report, base, references, plan, outcome.reason, attempt.attempt >= attempt.maxAttempts);
          log.warn({ err: outcome.reason }, 'PACS delivery failed: will retry');
          throw new Error(outcome.reason);
        case 'refused':
          await this.fail(report, base, references, plan, outcome.reason, true);
          log.error({ err: outcome.reason }, 'PACS refused the results');
          throw new UnrecoverableJobError(outcome.reason);
      }
    }
    await this.succeed(report, base, references, plan, [], []);
    log.info('nothing to send to the PACS');
  }

  private async succeed(
    report: Report,
    base: Pick<DeliveryState, 'contentVersion' | 'attempts' | 'lastAttemptAt'>,
    references: PacsReferences,
    plan: DeliveryPlan,
    sent: Parameters<typeof referencesAfterDelivery>[2]['objects'],
    warnings: readonly string[],
  ): Promise<void> {
    const now = new Date();
    const next = referencesAfterDelivery(references, plan, {
      contentVersion: report.contentVersion,
      reportStatus: report.status,
      sentAt: now.toISOString(),
      objects: sent,
      warnings,
    });
    await this.reports.recordDelivery(report.id, PACS_CHANNEL, {
      ...base,
      status: 'delivered',
      deliveredAt: now,
      // A warning (B0xx) still means stored; it is kept where an operator sees it.
      error: warnings.length > 0 ? `stored with warnings: ${warnings.join('; ')}` : undefined,
      references: next as Record<string, unknown>,
    });
  }

  private async fail(
    report: Report,
    base: Pick<DeliveryState, 'contentVersion' | 'attempts' | 'lastAttemptAt' | 'deliveredAt'>,
    references: PacsReferences,
    plan: DeliveryPlan,
    error: string,
    dead: boolean,
  ): Promise<void> {
    await this.reports.recordDelivery(report.id, PACS_CHANNEL, {
      ...base,
      status: dead ? 'dead' : 'failed',
      error,
      references: { ...references, planned: plan },
    });
  }

  private async load(reportId: string): Promise<Report> {
    try {
      return await this.reports.get(reportId);
    } catch (error) {
      if (error instanceof ReportException && error.code === ReportErrorCode.NotFound)
        throw new JobTargetGoneError(`report ${reportId} not found`);
      throw error;
    }
  }
}
