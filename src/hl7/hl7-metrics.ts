import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';

/** MSA-1 of an ACK: AA, AE, AR (CA/CE/CR in enhanced mode), or `none` when there is no MSA segment. */
export function ackCodeOf(ack: string): string {
  return /(?:^|\r)MSA\|([A-Z]{2})/.exec(ack)?.[1] ?? 'none';
}

/** HL7 ACKs by code: received from the RIS for our ORU^R01, and sent by our MLLP listener. */
@Injectable()
export class Hl7Metrics {
  private readonly acks: Counter<'direction' | 'code'>;

  constructor(metrics: MetricsRegistry) {
    this.acks = metrics.counter(
      'osteon_hl7_acks_total',
      'HL7 ACKs by MSA-1 code (AA, AE, AR): received from the RIS for our results, sent by our MLLP listener.',
      ['direction', 'code'],
    );
  }

  received(code: string): void {
    this.acks.inc({ direction: 'received', code: code || 'none' });
  }

  sent(ack: string): void {
    this.acks.inc({ direction: 'sent', code: ackCodeOf(ack) });
  }
}
