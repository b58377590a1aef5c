import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { logDestination } from '../common/logger';

/** Seconds, from a fast C-STORE ack (milliseconds) to a slow delivery or a study's idle wait. */
export const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The process's Prometheus registry (prom-client): the default process metrics and the log's
 * dropped lines; feature modules add their own metrics to `registry`.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'osteon_' });
    let counted = 0;
    new Counter({
      name: 'osteon_log_lines_dropped_total',
      help: 'Log lines dropped because the log destination failed or fell behind (the engine never waits for its log).',
      registers: [this.registry],
      collect() {
        const dropped = logDestination.dropped;
        if (dropped > counted) this.inc(dropped - counted);
        counted = dropped;
      },
    });
  }

  histogram<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[] = [],
    buckets: readonly number[] = SECONDS_BUCKETS,
  ): Histogram<Label> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  counter<Label extends string>(name: string, help: string, labelNames: readonly Label[] = []): Counter<Label> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge read at scrape time from `read` (the queue, the active model). */
  gauge<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
    read: (gauge: Gauge<Label>) => Promise<void> | void,
  ): Gauge<Label> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await read(this);
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
