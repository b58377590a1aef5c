import type { Writable } from 'node:stream';
import { C_STORE_RQ, readDimseCommand } from './dimse-command';
import { PDataFormatError, pDataPdu, readPresentationDataValues, type PresentationDataValue } from './p-data-pdu';

/** A C-STORE request received here: what its data set is stored and answered with. */
export interface CStoreMessage {
  readonly presentationContextId: number;
  readonly messageId: number;
  readonly affectedSopClassUid: string;
  readonly affectedSopInstanceUid: string;
}

/** What the receiver needs from its association. */
export interface CStoreReceiverHost {
  /** Where this request's data set goes, when it may be received here; undefined leaves the message to dcmjs-dimse. */
  open(message: CStoreMessage): Writable | undefined;
  /** The data set's last fragment is written and the writer ended (unless it had failed already). */
  received(message: CStoreMessage, writer: Writable): void;
  /** The peer sent what no conforming peer sends (PS3.8 9.3.5, PS3.7 9.3): the association is to be aborted. */
  violated(reason: string): void;
  /** Stop and restart reading from the peer while a writer catches up. */
  pause(): void;
  resume(): void;
}

/**
 * Receives C-STORE requests from whole P-DATA-TF PDUs itself and leaves every other message (C-ECHO,
 * C-FIND, a command split over several values) to dcmjs-dimse, whose state it follows value by value so
 * that it only ever takes a request when the library is between messages.
 *
 * Why not dcmjs-dimse 0.3.3 for C-STORE: per request it parses the command set through dcmjs into a data
 * set, builds a description string for its log (formatted even when the log is off), and wraps every
 * PDU and value in objects; measured at 13-15 % of the receiving thread per small instance (~0.7 ms, a
 * perf profile of 3,000 small studies, bench/README.md, issue 21), more than anything else on that
 * thread but the database driver. A C-STORE needs five fields of its command: read here directly. The
 * association, its release and abort, and the other services stay with the library.
 */
export class CStoreReceiver {
  private current: { readonly message: CStoreMessage; readonly writer: Writable } | undefined;
  /** A message dcmjs-dimse is receiving: its command's fragments so far, or (none: complete) its data set. */
  private library: { command: Buffer[] | undefined } | undefined;
  private paused = false;
  private failed = false;

  constructor(private readonly host: CStoreReceiverHost) {}

  /** Takes the C-STORE values out of one whole P-DATA-TF PDU; returns the PDUs dcmjs-dimse must still see. */
  route(pdu: Buffer): Buffer[] {
    if (this.failed) return [];
    let values: PresentationDataValue[];
    try {
      values = readPresentationDataValues(pdu);
    } catch (error) {
      if (!(error instanceof PDataFormatError)) throw error;
      return this.violate(error.message);
    }
    const forLibrary: Buffer[][] = [];
    let run: Buffer[] | undefined;
    for (const value of values) {
      if (this.current) {
        this.receive(value);
        run = undefined;
      } else if (!this.library && this.takeOver(value)) {
        run = undefined;
      } else {
        this.follow(value);
        if (!run) forLibrary.push((run = []));
        run.push(value.item);
      }
      if (this.failed) return [];
    }
    if (forLibrary.length === 1 && forLibrary[0]?.length === values.length) return [pdu];
    return forLibrary.map(pDataPdu);
  }

  /** A complete C-STORE command in one value, while the library is between messages: received here if the host agrees. */
  private takeOver(value: PresentationDataValue): boolean {
    if (!value.isCommand || !value.isLastFragment) return false;
    const command = readDimseCommand(value.value);
    if (command?.commandField !== C_STORE_RQ || !command.hasDataSet || command.messageId === undefined) return false;
    const message: CStoreMessage = {
      presentationContextId: value.presentationContextId,
      messageId: command.messageId,
      affectedSopClassUid: command.affectedSopClassUid,
      affectedSopInstanceUid: command.affectedSopInstanceUid,
    };
    const writer = this.host.open(message);
    if (!writer) return false;
    this.current = { message, writer };
    return true;
  }

  /** A data set fragment of the request being received here. */
  private receive(value: PresentationDataValue): void {
    const { message, writer } = this.current as { message: CStoreMessage; writer: Writable };
    if (value.isCommand) return void this.violate("a command arrived before the C-STORE's data set ended");
    if (value.presentationContextId !== message.presentationContextId) {
      return void this.violate('a data set fragment arrived on another presentation context than its command');
    }
    // A failed writer (a full disk) takes no more bytes; the rest of the data set is read and dropped
    // so the request is still answered, with a failure.
    if (!writer.destroyed && !writer.write(value.value)) this.waitFor(writer);
    if (!value.isLastFragment) return;
    this.current = undefined;
    if (!writer.destroyed) writer.end();
    this.host.received(message, writer);
  }

  /** Mirrors how dcmjs-dimse reads a value it is given (Network._processPDataTf). */
  private follow(value: PresentationDataValue): void {
    if (value.isCommand) {
      if (this.library && !this.library.command) return void this.violate("a command arrived before the previous message's data set ended");
      const fragments = this.library?.command ?? [];
      fragments.push(value.value);
      if (!value.isLastFragment) {
        this.library = { command: fragments };
        return;
      }
      const command = readDimseCommand(fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments));
      if (!command) return void this.violate('a command set that is not well-formed');
      this.library = command.hasDataSet ? { command: undefined } : undefined;
      return;
    }
    if (!this.library || this.library.command) return void this.violate('a data set fragment arrived without its command');
    if (value.isLastFragment) this.library = undefined;
  }

  /** Reading stops until the writer has room again (or has failed): a slow disk slows the sender, not our memory. */
  private waitFor(writer: Writable): void {
    if (this.paused) return;
    this.paused = true;
    this.host.pause();
    // An ended writer emits no 'drain': its 'finish' (or, failed, its 'close') resumes reading then.
    const events = ['drain', 'finish', 'close'] as const;
    const resume = (): void => {
      for (const event of events) writer.off(event, resume);
      this.paused = false;
      this.host.resume();
    };
    for (const event of events) writer.once(event, resume);
  }

  private violate(reason: string): [] {
    this.failed = true;
    this.current?.writer.destroy();
    this.current = undefined;
    this.host.violated(reason);
    return [];
  }
}
