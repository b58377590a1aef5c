import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { logDestination } from '../common/logger';

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

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
