import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';

/** What the DICOM listener counts: each C-STORE from the first byte of its data set to our answer. */
@Injectable()
export class DicomMetrics {
  readonly storeSeconds: Histogram<'outcome'>;
  readonly instances: Counter<'outcome' | 'status'>;

  constructor(metrics: MetricsRegistry) {
    this.storeSeconds = metrics.histogram(
      'osteon_dicom_store_seconds',
      'C-STORE receive-to-ack: from the first byte of the data set to the response (stored: fsynced and indexed).',
      ['outcome'],
    );
    this.instances = metrics.counter(
      'osteon_dicom_instances_total',
      'Instances received by C-STORE, by outcome (stored, refused) and DIMSE status (0000, A700, A900, C000, ...).',
      ['outcome', 'status'],
    );
  }

  stored(startedAt: number): void {
    this.storeSeconds.observe({ outcome: 'stored' }, (performance.now() - startedAt) / 1000);
    this.instances.inc({ outcome: 'stored', status: '0000' });
  }

  refused(startedAt: number, status: number): void {
    this.storeSeconds.observe({ outcome: 'refused' }, (performance.now() - startedAt) / 1000);
    this.instances.inc({ outcome: 'refused', status: status.toString(16).padStart(4, '0').toUpperCase() });
  }
}
