import type { DeliveryState, Report } from '../reports/report';

/** One run of a channel's delivery job for one report. */
export interface DeliveryAttempt {
  readonly reportId: string;
  /** The job's attempt number and budget: the last failed attempt is recorded as dead. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The delivery's maximum age: a failure after it is recorded dead. */
  readonly expiresAt?: Date;
}

/** What one attempt is about: the report's current content and what the channel recorded before. */
export interface DeliveryContext {
  readonly report: Report;
  readonly previous: DeliveryState | undefined;
  /**
   * What `deliveries.<channel>.references` holds if this attempt fails (at first: what it held
   * before); a channel sets it as soon as it knows better (a new message control id, planned UIDs).
   */
  references: Readonly<Record<string, unknown>>;
  /** Records the attempt as pending with the current references, before anything is sent. */
  recordPending(): Promise<void>;
  /**
   * For a channel that builds what it sends inside `send` (the FHIR transaction, rebuilt after a
   * merge): the message as it goes out, kept for the message browser in place of `describe`'s.
   */
  recordSent(message: DeliveredMessage): void;
}

/** A report a channel settles without sending anything. */
export type Settlement =
  /** This content has nothing to send (a withdrawal of what was never sent): delivered, as one attempt. */
  | { readonly kind: 'nothing-to-send'; readonly references: Readonly<Record<string, unknown>> }
  /** The receiver is where this content came from: marked delivered without an attempt (no echo). */
  | { readonly kind: 'not-sent'; readonly references: Readonly<Record<string, unknown>> };

/** What the receiver accepted: the references to keep, a warning an operator should see, what it answered. */
export interface Sent {
  readonly references: Readonly<Record<string, unknown>>;
  readonly warning?: string;
  /** The receiver's answer in words (ACK code and text, HTTP status); the references when absent. */
  readonly answer?: string;
}

/** What a channel sends, as text an operator can read: no document bytes, no link secrets. */
export interface DeliveredMessage {
  readonly contentType: string;
  readonly text: string;
}

/**
 * A delivery channel (FHIR, HL7, PACS, portal, …) says only how to build what it sends from a
 * report and how to send it; `runDelivery` does the rest the same way for every channel: load the
 * report, skip what was delivered, keep `deliveries.<channel>`, classify a failure. A failure is an
 * exception: a permanent one (OsteonException with retryable false, e.g. DeliveryException
 * ReceiverRefused) is dead at once; any other is retried. JobTargetGoneError ends the job quietly.
 */
export interface DeliveryChannel<Built> {
  /** `deliveries.<channel>` in the report. */
  readonly channel: string;
  /** Called before building; may also throw JobTargetGoneError (nothing to do, nothing recorded). */
  settle?(report: Report, previous: DeliveryState | undefined): Settlement | undefined;
  build(context: DeliveryContext): Promise<Built>;
  send(built: Built, context: DeliveryContext): Promise<Sent>;
  /** The built message as the operator's message browser shows it; channels without it show references only. */
  describe?(built: Built): DeliveredMessage;
}

/** The reports module's side of a delivery: read the report, write `deliveries.<channel>`. */
export interface DeliveryReports {
  get(id: string): Promise<Report>;
  recordDelivery(id: string, channel: string, state: DeliveryState): Promise<Report>;
}
