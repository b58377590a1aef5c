import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { CHANNEL_STATES } from './channel-state';
import { DeliveryScheduler } from './delivery-scheduler';

/** Each channel's state, waiting deliveries and dead letters as gauges, read from the queue at scrape time. */
@Injectable()
export class DeliveryMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  onModuleInit(): void {
    const scheduler = this.scheduler;
    const registers = [this.metrics.registry];
    const waiting = new Gauge({
      name: 'osteon_delivery_waiting',
      help: 'Deliveries waiting to be retried after a failure, per channel.',
      labelNames: ['channel'],
      registers,
    });
    const dead = new Gauge({
      name: 'osteon_delivery_dead_letters',
      help: 'Dead-lettered deliveries (an operator can replay them), per channel.',
      labelNames: ['channel'],
      registers,
    });
    new Gauge({
      name: 'osteon_delivery_channel_state',
      help: 'A delivery channel state: 1 for the current one of off, healthy, retrying, down.',
      labelNames: ['channel', 'state'],
      registers,
      async collect() {
        for (const channel of await scheduler.states()) {
          for (const state of CHANNEL_STATES) this.set({ channel: channel.channel, state }, channel.state === state ? 1 : 0);
          waiting.set({ channel: channel.channel }, channel.waiting);
          dead.set({ channel: channel.channel }, channel.dead);
        }
      },
    });
  }
}
