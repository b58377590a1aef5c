import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './webhook-signature';

export type WebhookOutcome =
  | { readonly kind: 'accepted'; readonly status: number }
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** POSTs signed JSON to the patient portal (OSTEON_PORTAL_URL); the only HTTP the portal module does. */
@Injectable()
export class PortalWebhookClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.portal.webhookUrl !== undefined && this.config.portal.secret !== undefined;
  }

  /** 2xx accepted; other 4xx rejected (the same message will not succeed); 5xx, 408, 429 and network errors unavailable. */
  async post(body: string, deliveryId: string): Promise<WebhookOutcome> {
    const { webhookUrl, secret, timeoutMs } = this.config.portal;
    if (!webhookUrl || !secret) return { kind: 'rejected', status: 0, reason: 'portal webhook is not configured' };
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body),
          [DELIVERY_HEADER]: deliveryId,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { kind: 'unavailable', reason: `portal unreachable: ${cause ?? (error as Error).name}` };
    }
    const text = (await response.text().catch(() => '')).slice(0, 200);
    if (response.ok) return { kind: 'accepted', status: response.status };
    const reason = `portal answered HTTP ${response.status}${text ? `: ${text}` : ''}`;
    if (response.status >= 500 || response.status === 408 || response.status === 429) return { kind: 'unavailable', reason };
    return { kind: 'rejected', status: response.status, reason };
  }
}
