import { Injectable } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';

/** What an instance's acknowledgement waits for: its staged file synced, its index record journaled, the file at its address with its directory synced. */
export type DurablePart = 'file' | 'index' | 'directory';

/** Disk syncs take from well under a millisecond (a fast SSD) to seconds (a failing disk). */
const SYNC_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** When each part of one instance's durability was reached, counted from its last byte. */
export class DurabilityTiming {
  readonly startedAt = performance.now();
  /** The parts tracked, each with when it was reached (undefined until then). */
  readonly parts = new Map<DurablePart, number | undefined>();

  /** Notes when `done` settles (only a stored instance's timings are observed, and then every part succeeded). */
  track(part: DurablePart, done: Promise<unknown>): void {
    this.parts.set(part, undefined);
    const reached = (): void => void this.parts.set(part, performance.now());
    done.then(reached, reached);
  }
}

/**
 * Where a received instance's wait for durability goes, on the hospital's own disk and database. The
 * slower of index and directory is what the sender waits for (osteon_dicom_store_seconds adds the
 * receiving). Slow storage is the usual reason for slow ingest; this says which part of it.
 */
@Injectable()
export class IngestMetrics {
  private readonly durableSeconds: Histogram<'part'>;

  constructor(metrics: MetricsRegistry) {
    this.durableSeconds = metrics.histogram(
      'osteon_ingest_durable_seconds',
      'From a stored original instance\'s last byte to each part of its durability: part="file" its staged file fsynced, "index" its index record journaled, "directory" the file at its content address and its directory fsynced.',
      ['part'],
      SYNC_SECONDS_BUCKETS,
    );
  }

  start(): DurabilityTiming {
    return new DurabilityTiming();
  }

  /** The instance is stored, so every part it tracked was reached: by now, when its callback has not run yet. */
  stored(timing: DurabilityTiming): void {
    const now = performance.now();
    for (const [part, at] of timing.parts) this.durableSeconds.observe({ part }, ((at ?? now) - timing.startedAt) / 1000);
  }
}
