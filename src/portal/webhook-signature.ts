import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-osteon-signature';
export const TIMESTAMP_HEADER = 'x-osteon-timestamp';
export const DELIVERY_HEADER = 'x-osteon-delivery';

/**
 * `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` with the shared secret: the
 * timestamp is signed too, so a receiver can refuse an old message replayed later.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** What a receiver does (and what the tests do): recompute and compare in constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
