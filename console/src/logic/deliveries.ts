import type { DeliveryState } from './types';

export const CHANNELS = ['fhir', 'fhir-document', 'hl7', 'pacs', 'portal'] as const;
export type Channel = string;

export interface ChannelSummary {
  readonly channel: Channel;
  readonly counts: Record<DeliveryState['status'], number>;
  /** Reports that have no state for this channel (channel off, or not yet due). */
  readonly none: number;
}

/** Counts delivery states per channel across the given reports. */
export function summariseDeliveries(
  reports: ReadonlyArray<{ deliveries?: Partial<Record<string, DeliveryState>> }>,
  channels: readonly string[] = CHANNELS,
): ChannelSummary[] {
  return channels.map((channel) => {
    const counts = { pending: 0, delivered: 0, failed: 0, dead: 0 };
    let none = 0;
    for (const report of reports) {
      const state = report.deliveries?.[channel];
      if (state) counts[state.status] += 1;
      else none += 1;
    }
    return { channel, counts, none };
  });
}

/** "deliver-portal" → "portal"; other job types keep their name. */
export function jobChannel(type: string): string {
  return type.startsWith('deliver-') ? type.slice('deliver-'.length) : type;
}

/** A channel's state in words: "off" means the site has not configured it. */
export function channelStateLabel(state: 'off' | 'healthy' | 'retrying' | 'down'): string {
  switch (state) {
    case 'off':
      return 'off (not configured)';
    case 'healthy':
      return 'healthy';
    case 'retrying':
      return 'retrying';
    case 'down':
      return 'down';
  }
}
