import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';

/**
 * Whether images are being received right now. A modality waiting for its C-STORE answer comes
 * before the model reading a study: work that competes for the CPU (analysis, rendering) waits
 * while images arrive, up to a limit, so a burst that never ends cannot starve it.
 */
@Injectable()
export class IngestActivity {
  private lastAt = Number.NEGATIVE_INFINITY;
  private burstStartedAt = 0;
  private active = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** An image started or finished arriving (a C-STORE's first bytes, an upload). */
  touch(now = Date.now()): void {
    if (this.active === 0 && now - this.lastAt > this.config.receivePriority.quietMs) this.burstStartedAt = now;
    this.lastAt = now;
  }

  /** Runs one ingest (staged file → durable instance) while counting it as activity. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.touch();
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.touch();
    }
  }

  /** Receiving now (or within the quiet time), for less than the longest deferral. */
  receiving(now = Date.now()): boolean {
    const { quietMs, maxDeferMs } = this.config.receivePriority;
    if (maxDeferMs === 0) return false;
    const busy = this.active > 0 || now - this.lastAt <= quietMs;
    return busy && now - this.burstStartedAt < maxDeferMs;
  }
}
