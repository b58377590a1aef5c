export const CHANNEL_STATES = ['off', 'healthy', 'retrying', 'down'] as const;

/** What an operator (and a metric) sees of a delivery channel. */
export interface ChannelState {
  readonly channel: string;
  /** off: not configured; healthy: nothing failing; retrying: failures for less than the down threshold; down: longer. */
  readonly state: (typeof CHANNEL_STATES)[number];
  /** Since when it has been failing (retrying or down). */
  readonly since: Date | undefined;
  /** Deliveries waiting to be retried. */
  readonly waiting: number;
  /** Dead letters (an operator can replay them). */
  readonly dead: number;
}

export function channelStateOf(
  channel: string,
  enabled: boolean,
  summary: { waiting: number; failingSince: Date | undefined; dead: number } | undefined,
  downAfterMs: number,
  now = new Date(),
): ChannelState {
  if (!enabled || !summary) return { channel, state: 'off', since: undefined, waiting: 0, dead: 0 };
  const { waiting, failingSince, dead } = summary;
  if (waiting === 0 || !failingSince) return { channel, state: 'healthy', since: undefined, waiting, dead };
  const state = now.getTime() - failingSince.getTime() >= downAfterMs ? 'down' : 'retrying';
  return { channel, state, since: failingSince, waiting, dead };
}
