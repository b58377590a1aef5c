/** What the PACS answered for one object sent in an association. */
export interface StoreResponse {
  readonly sopInstanceUid: string;
  /** The DIMSE status; undefined when the PACS never answered (no accepted presentation context). */
  readonly status: number | undefined;
  readonly errorComment: string | undefined;
}

/** How one association to the PACS ended, as the store client saw it. */
export type AssociationResult =
  | { readonly kind: 'completed'; readonly responses: readonly StoreResponse[] }
  | { readonly kind: 'rejected'; readonly result: number; readonly source: number; readonly reason: number }
  | { readonly kind: 'aborted'; readonly source: number; readonly reason: number }
  | { readonly kind: 'network-error'; readonly message: string };

/** What the delivery does next: recorded as delivered, retried later, or dead-lettered now. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly warnings: readonly string[] }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

export type StatusClass = 'success' | 'warning' | 'retry' | 'refused';

/**
 * C-STORE statuses (PS3.4 B.2.3, PS3.7 C): 0000 success; B000/B007/B006 warnings (coercion,
 * elements discarded): stored; A7xx out of resources: the PACS may take it later; A9xx,
 * Cxxx, 0122 (SOP class not supported), 0124 (not authorised) and anything unknown: sending
 * the same object again cannot help.
 */
export function classifyStoreStatus(status: number): StatusClass {
  if (status === 0x0000) return 'success';
  if ((status & 0xf000) === 0xb000) return 'warning';
  if ((status & 0xff00) === 0xa700) return 'retry';
  return 'refused';
}

export function hex(status: number): string {
  return `0x${status.toString(16).padStart(4, '0').toUpperCase()}`;
}

const REJECT_SOURCES: Record<number, string> = { 1: 'service user', 2: 'service provider (ACSE)', 3: 'service provider (presentation)' };
const REJECT_REASONS_USER: Record<number, string> = {
  1: 'no reason given',
  2: 'application context name not supported',
  3: 'calling AE title not recognised',
  7: 'called AE title not recognised',
};

/** Every object must have been answered with success or a warning before it counts as sent. */
export function deliveryOutcomeOf(result: AssociationResult, expected: readonly string[]): DeliveryOutcome {
  switch (result.kind) {
    case 'network-error':
      return { kind: 'retry', reason: `PACS unreachable: ${result.message}` };
    case 'aborted':
      // No status came back: a PACS aborts when it restarts as well as when it will not take
      // an object, so it is retried and dead-lettered only after the last attempt.
      return {
        kind: 'retry',
        reason: `association aborted by the PACS before it answered (source ${result.source}, reason ${result.reason})`,
      };
    case 'rejected': {
      const why = result.source === 1 ? (REJECT_REASONS_USER[result.reason] ?? `reason ${result.reason}`) : `reason ${result.reason}`;
      const text = `association rejected by the PACS (${result.result === 2 ? 'transient' : 'permanent'}, ${REJECT_SOURCES[result.source] ?? `source ${result.source}`}: ${why})`;
      // A transient rejection (result 2) is the PACS saying "not now": worth a retry.
      return result.result === 2 ? { kind: 'retry', reason: text } : { kind: 'refused', reason: text };
    }
    case 'completed':
      return completedOutcome(result.responses, expected);
  }
}

function completedOutcome(responses: readonly StoreResponse[], expected: readonly string[]): DeliveryOutcome {
  const warnings: string[] = [];
  const retries: string[] = [];
  const refusals: string[] = [];
  for (const uid of expected) {
    const response = responses.find((candidate) => candidate.sopInstanceUid === uid);
    if (!response || response.status === undefined) {
      refusals.push(`${uid}: not accepted by the PACS (no presentation context for its SOP class, or no response)`);
      continue;
    }
    const comment = response.errorComment ? ` ${response.errorComment}` : '';
    switch (classifyStoreStatus(response.status)) {
      case 'success':
        break;
      case 'warning':
        warnings.push(`${uid}: status ${hex(response.status)}${comment}`);
        break;
      case 'retry':
        retries.push(`${uid}: status ${hex(response.status)}${comment}`);
        break;
      case 'refused':
        refusals.push(`${uid}: status ${hex(response.status)}${comment}`);
        break;
    }
  }
  if (refusals.length > 0) return { kind: 'refused', reason: `PACS refused: ${refusals.join('; ')}` };
  if (retries.length > 0) return { kind: 'retry', reason: `PACS out of resources: ${retries.join('; ')}` };
  return { kind: 'delivered', warnings };
}
