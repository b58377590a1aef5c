import type { DeliveredMessageRecord, DeliveryLogEntry, DeliveryState } from '../reports/report';
import type { DeliveredMessage, Sent } from './delivery-channel';

/** A message kept for the operator is at most this long (an ORU with its PDF is far longer). */
export const MAX_MESSAGE_CHARS = 32_000;
/** An answer kept per attempt is at most this long (a transaction-response can echo every resource). */
export const MAX_ANSWER_CHARS = 4_000;
/** The attempts kept per channel and report. */
export const MAX_LOG_ENTRIES = 10;
const LONG_STRING = 512;

export function messageRecord(message: DeliveredMessage, builtAt: Date): DeliveredMessageRecord {
  const truncated = message.text.length > MAX_MESSAGE_CHARS;
  return {
    contentType: message.contentType,
    text: truncated
      ? `${message.text.slice(0, MAX_MESSAGE_CHARS)}\n… (${message.text.length - MAX_MESSAGE_CHARS} more characters)`
      : message.text,
    truncated,
    builtAt,
  };
}

function shortened(field: unknown): unknown {
  if (typeof field === 'string' && field.length > LONG_STRING) return `(${field.length} characters left out)`;
  if (field instanceof ArrayBuffer) return `(${field.byteLength} bytes left out)`;
  if (ArrayBuffer.isView(field)) return `(${field.byteLength} bytes left out)`;
  // A Buffer has been through its toJSON by the time a replacer sees it.
  const buffer = field as { type?: unknown; data?: unknown } | null;
  if (buffer && typeof buffer === 'object' && buffer.type === 'Buffer' && Array.isArray(buffer.data)) {
    return `(${buffer.data.length} bytes left out)`;
  }
  if (Array.isArray(field) && field.length > LONG_STRING) return `(${field.length} values left out)`;
  return field;
}

/** JSON for the operator with long strings (base64 documents) and binary values replaced by their length. */
export function readableJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => shortened(field), 2);
}

/** The receiver's answer in words: what the channel said, else the references it returned. */
export function answerOf(sent: Pick<Sent, 'answer' | 'references'>): string {
  const answer = sent.answer ?? readableJson(sent.references);
  return answer.length > MAX_ANSWER_CHARS
    ? `${answer.slice(0, MAX_ANSWER_CHARS)}\n… (${answer.length - MAX_ANSWER_CHARS} more characters)`
    : answer;
}

export function withLogEntry(previous: DeliveryState | undefined, entry: DeliveryLogEntry): DeliveryLogEntry[] {
  return [...(previous?.log ?? []), entry].slice(-MAX_LOG_ENTRIES);
}
