import { randomBytes } from 'node:crypto';
import { Hl7Message, Hl7Segment } from '@medplum/core';
import { hl7Timestamp } from './result-message.builder';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface AckParties {
  readonly sendingApplication: string;
  readonly sendingFacility: string;
}

export interface AckContent {
  readonly code: AckCode;
  readonly text: string;
  /** ERR-3 (HL7 table 0357) for AE / AR. */
  readonly errorCondition?: { readonly code: string; readonly text: string };
}

/** buildAck's MSH-10 is the clock in ms (two ACKs in one ms share it): ours is unique, 19 characters. */
function ackControlId(): string {
  return `OSA${Date.now().toString(36).toUpperCase().padStart(8, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
}

function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/[\r\n]+/g, ' ');
}

function errSegment(content: AckContent): Hl7Segment | undefined {
  if (!content.errorCondition) return undefined;
  // ERR-3 error code, ERR-4 severity E, ERR-8 user message.
  return new Hl7Segment([
    'ERR',
    '',
    '',
    `${content.errorCondition.code}^${content.errorCondition.text}^HL70357`,
    'E',
    '',
    '',
    '',
    escapeText(content.text),
  ]);
}

/** ACK for a message that parsed: @medplum/core's buildAck, with a unique id, our names and the reason. */
export function ackFor(message: Hl7Message, content: AckContent, parties: AckParties): string {
  const ack = message.buildAck({ ackCode: content.code, errSegment: errSegment(content) });
  ack.header.setField(3, parties.sendingApplication);
  ack.header.setField(4, parties.sendingFacility);
  ack.header.setField(10, ackControlId());
  ack.getSegment('MSA')?.setField(3, escapeText(content.text));
  return ack.toString();
}

/** NAK for bytes that are no HL7 message: there is no MSH to answer, so MSA-2 stays empty. */
export function nakForUnreadable(content: AckContent, parties: AckParties, now = new Date()): string {
  const segments = [
    new Hl7Segment([
      'MSH',
      '^~\\&',
      parties.sendingApplication,
      parties.sendingFacility,
      '',
      '',
      hl7Timestamp(now),
      '',
      'ACK',
      ackControlId(),
      'P',
      '2.5.1',
    ]),
    new Hl7Segment(['MSA', content.code, '', escapeText(content.text)]),
  ];
  const err = errSegment(content);
  return new Hl7Message(err ? [...segments, err] : segments).toString();
}
