import { randomUUID } from 'node:crypto';

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export function isValidUid(value: string | undefined): value is string {
  return value !== undefined && value.length > 0 && value.length <= 64 && UID_PATTERN.test(value);
}

/** A globally unique UID under the UUID-derived root 2.25 (PS3.5 B.2), no registered root needed. */
export function generateUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}
