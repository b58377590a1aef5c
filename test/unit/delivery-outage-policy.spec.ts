import { channelStateOf } from '../../src/deliveries/channel-state';
import { DeliveryErrorCode, DeliveryException } from '../../src/deliveries/delivery.exception';
import { backoffDelay, failureOutcome } from '../../src/jobs/retry.policy';
import { MllpJunkBurst } from '../../src/hl7/mllp-junk-burst';

describe('retries through an outage', () => {
  const unavailable = new DeliveryException(DeliveryErrorCode.ReceiverUnavailable, 'connection refused');
  const refused = new DeliveryException(DeliveryErrorCode.ReceiverRefused, 'AR');

  it('keeps retrying a delivery past any attempt count until its maximum age, then dead-letters it as expired', () => {
    const now = new Date('2026-12-02T12:00:00Z');
    const expiresAt = new Date(now.getTime() + 1000);
    expect(failureOutcome(unavailable, { attempt: 500, maxAttempts: 1_000_000, expiresAt }, now)).toEqual({ kind: 'retry' });
    expect(failureOutcome(unavailable, { attempt: 2, maxAttempts: 1_000_000, expiresAt }, new Date(expiresAt.getTime()))).toEqual({
      kind: 'dead',
      reason: 'expired',
    });
  });

  it('dead-letters a refusal at once, whatever the age', () => {
    expect(failureOutcome(refused, { attempt: 1, maxAttempts: 1_000_000, expiresAt: new Date(Date.now() + 3_600_000) })).toEqual({
      kind: 'dead',
      reason: 'permanent',
    });
  });

  it('doubles the back-off up to its cap and never overflows after thousands of attempts', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 2000, 120_000))).toEqual([2000, 4000, 8000, 16_000]);
    expect(backoffDelay(7, 2000, 120_000)).toBe(120_000);
    expect(backoffDelay(5000, 2000, 120_000)).toBe(120_000);
  });
});

describe('channel state', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const since = (ms: number): Date => new Date(now.getTime() - ms);

  it('is off when not configured, healthy with nothing waiting, retrying, then down after the threshold', () => {
    expect(channelStateOf('hl7', false, undefined, 120_000, now).state).toBe('off');
    expect(channelStateOf('hl7', true, { waiting: 0, failingSince: undefined, dead: 2 }, 120_000, now)).toEqual({
      channel: 'hl7',
      state: 'healthy',
      since: undefined,
      waiting: 0,
      dead: 2,
    });
    expect(channelStateOf('hl7', true, { waiting: 3, failingSince: since(60_000), dead: 0 }, 120_000, now).state).toBe('retrying');
    expect(channelStateOf('hl7', true, { waiting: 3, failingSince: since(120_000), dead: 0 }, 120_000, now)).toMatchObject({
      state: 'down',
      since: since(120_000),
      waiting: 3,
    });
  });
});

describe('MLLP garbage bursts', () => {
  it('answers the first piece of a burst only, and reports the burst size when it ends', () => {
    const burst = new MllpJunkBurst(1000);
    const answers = Array.from({ length: 2000 }, (_, index) => burst.junk(10_000 + (index % 5)).startsBurst);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(burst.end()).toBe(2000);
    expect(burst.junk(20_000).startsBurst).toBe(true);
  });

  it('starts a new burst after a quiet second, ending the last one', () => {
    const burst = new MllpJunkBurst(1000);
    burst.junk(0);
    burst.junk(10);
    expect(burst.junk(2000)).toEqual({ startsBurst: true, ended: 2 });
  });
});
