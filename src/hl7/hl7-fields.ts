import type { Hl7Message, Hl7Segment } from '@medplum/core';

/** HL7 escape sequences (\F\ \S\ \T\ \R\ \E\); @medplum/core returns raw field text. */
export function unescapeHl7(value: string): string {
  return value.replace(/\\([FSTRE])\\/g, (_match, code: string) => ({ F: '|', S: '^', T: '&', R: '~', E: '\\' })[code] ?? '');
}

/** One component of a field (field, component and subcomponent all 1-based), unescaped and trimmed; '' when absent. */
export function component(segment: Hl7Segment | undefined, field: number, componentIndex = 1, subcomponent?: number): string {
  if (!segment) return '';
  // @medplum/core counts components from 1 but subcomponents from 0.
  const raw =
    subcomponent === undefined
      ? segment.getComponent(field, componentIndex)
      : segment.getComponent(field, componentIndex, subcomponent - 1);
  return unescapeHl7(raw ?? '').trim();
}

/** @medplum/core numbers MSH fields as the standard does (MSH-10 is index 10). */
export function headerComponent(message: Hl7Message, field: number, componentIndex = 1): string {
  return component(message.getSegment('MSH'), field, componentIndex);
}

export interface MessageHeader {
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly messageCode: string;
  readonly triggerEvent: string;
  readonly controlId: string;
}

export function headerOf(message: Hl7Message): MessageHeader {
  return {
    sendingApplication: headerComponent(message, 3),
    sendingFacility: headerComponent(message, 4),
    messageCode: headerComponent(message, 9, 1).toUpperCase(),
    triggerEvent: headerComponent(message, 9, 2).toUpperCase(),
    controlId: headerComponent(message, 10),
  };
}
