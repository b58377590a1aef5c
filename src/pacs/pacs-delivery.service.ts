import { Inject, Injectable } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import type { DeliveryAttempt, DeliveryChannel, DeliveryContext, Sent, Settlement } from '../deliveries/delivery-channel';
import { runDelivery } from '../deliveries/delivery-runner';
import { DeliveryErrorCode, DeliveryException } from '../deliveries/delivery.exception';
import { JobTargetGoneError } from '../jobs/job.exception';
import type { Report } from '../reports/report';
import { ReportService } from '../reports/report.service';
import { referencesAfterDelivery, type PacsReferences } from './pacs-delivery.plan';
import { ResultArchiveService } from './result-archive.service';
import type { ResultVersion } from './result-set.repository';
import { deliveryOutcomeOf } from './store-outcome';
import { StoreScuClient, type StoreObject } from './store-scu.client';

export const PACS_CHANNEL = 'pacs';

/** The archived results of this content version, and what this PACS was sent before. */
interface PacsShipment {
  readonly previous: PacsReferences;
  readonly version: ResultVersion;
  /** Empty when there is nothing to send (a withdrawal of what this PACS never received). */
  readonly objects: readonly StoreObject[];
}

/**
 * Sends a report's current results to the PACS over C-STORE and records what the PACS said
 * in `deliveries.pacs`: delivered only when every object was stored (warnings kept), retried
 * on A7xx and network errors, dead-lettered on refusals. The objects are the archived ones
 * (ResultArchiveService): what DICOMweb serves is what the PACS holds, UID for UID.
 */
@Injectable()
export class PacsDeliveryService implements DeliveryChannel<PacsShipment> {
  readonly channel = PACS_CHANNEL;
  private readonly logger = moduleLogger('pacs');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportService,
    private readonly archive: ResultArchiveService,
    private readonly scu: StoreScuClient,
  ) {}

  get enabled(): boolean {
    return this.config.pacs !== undefined;
  }

  deliver(attempt: DeliveryAttempt): Promise<void> {
    return runDelivery(this.reports, this, attempt);
  }

  /** The PACS gets Osteon's AI results: a study no image of which the AI read has none to send. */
  settle(report: Report): Settlement | undefined {
    if (report.findings) return undefined;
    return { kind: 'nothing-to-send', references: { notSent: 'no image was analysed by AI' } };
  }

  async build(context: DeliveryContext): Promise<PacsShipment> {
    if (!this.config.pacs) throw new JobTargetGoneError('the PACS channel is not configured');
    const previous = (context.previous?.references ?? {}) as PacsReferences;
    const version = await this.archive.archive(context.report);
    const received = (previous.versions ?? []).some((sent) => sent.objects.length > 0);
    const nothingToVoid = version.plan.kind === 'withdrawal' && !received;
    return { previous, version, objects: nothingToVoid ? [] : await this.archive.objectsOf(version) };
  }

  async send({ previous, version, objects }: PacsShipment, context: DeliveryContext): Promise<Sent> {
    const { report } = context;
    const log = this.logger.child({
      reportId: report.id,
      studyInstanceUid: report.studyInstanceUid,
      contentVersion: report.contentVersion,
      plan: version.plan.kind,
    });
    const sendsAny = objects.length > 0;
    const warnings = sendsAny ? await this.store(objects) : [];
    const sentObjects = sendsAny ? version.objects : [];
    log.info(
      { objects: sentObjects.map((object) => object.sopInstanceUid), warnings: warnings.length },
      sendsAny ? 'results stored in the PACS' : 'nothing to send to the PACS',
    );
    const sent = {
      contentVersion: report.contentVersion,
      reportStatus: report.status,
      sentAt: new Date().toISOString(),
      objects: sentObjects,
      warnings,
    };
    return {
      references: referencesAfterDelivery(previous, version.plan, sent) as Record<string, unknown>,
      // A warning (B0xx) still means stored; it is kept where an operator sees it.
      warning: warnings.length > 0 ? `stored with warnings: ${warnings.join('; ')}` : undefined,
    };
  }

  /** One association for all objects: stored only when the PACS took every one (a warning still counts). */
  private async store(objects: readonly StoreObject[]): Promise<readonly string[]> {
    const target = this.config.pacs as NonNullable<AppConfig['pacs']>;
    const { host, port, calledAeTitle, callingAeTitle, timeoutMs } = target;
    const result = await this.scu.send({ host, port, calledAeTitle, callingAeTitle, timeoutMs }, objects);
    const outcome = deliveryOutcomeOf(
      result,
      objects.map((object) => object.sopInstanceUid),
    );
    switch (outcome.kind) {
      case 'delivered':
        return outcome.warnings;
      case 'retry':
        throw new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, outcome.reason);
      case 'refused':
        throw new DeliveryException(DeliveryErrorCode.ReceiverRefused, outcome.reason);
    }
  }
}
