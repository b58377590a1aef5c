import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { type association as dimseAssociation, constants, Dataset, responses, Scp } from 'dcmjs-dimse';
import type { requests } from 'dcmjs-dimse';
import { buildFileMetaHeader } from '../imaging/part10';
import type { StagingWriter } from '../storage/staging-writer';
import { CStoreReceiver, type CStoreMessage } from './c-store-receiver';
import { encodeCStoreResponsePdu } from './c-store-response';
import { FindStatus, StoreStatus } from './dicom.constants';
import { P_DATA_TF } from './p-data-pdu';
import { negotiatePresentationContext } from './presentation-context-negotiation';
import type { ScpHandlers, StoreOutcome } from './scp-handlers';

type Association = dimseAssociation.Association;
type PresentationContext = dimseAssociation.PresentationContext;
type CStoreRequest = requests.CStoreRequest;
type CEchoRequest = requests.CEchoRequest;
type CFindRequest = requests.CFindRequest;

/** The fields a C-STORE is stored and answered with, from dcmjs-dimse's request or from CStoreReceiver. */
interface StoreRequestFields {
  readonly messageId: number;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
}

/** A C-STORE-RSP is under 300 bytes (c-store-response.ts): a peer taking PDUs this long can be answered in one. */
const LONGEST_STORE_RESPONSE_PDU = 512;

/**
 * dcmjs-dimse SCP for one association. The data set of a C-STORE streams straight into an
 * fsynced staging file (never buffered whole in memory) behind a Part 10 header built from
 * the command, so the stored bytes are exactly those received. C-STOREs are received by
 * CStoreReceiver from the PDUs the socket delivers (`routePdu`); the library keeps the rest.
 */
export class OsteonScp extends Scp {
  /** Data sets being received, by the library's request or the receiver's message. */
  private readonly writers = new Map<CStoreRequest | CStoreMessage, StagingWriter>();
  private callingAeTitle = '';
  private acceptedAssociation: Association | undefined;
  private associationAccepted = false;
  private readonly receiver: CStoreReceiver;

  constructor(
    private readonly peerSocket: Socket,
    private readonly handlers: ScpHandlers,
    options: { associationTimeout: number },
  ) {
    // The library's own PDU timer never runs on a socket it did not accept (its Server marks them
    // connected); the connection guard's socket timeout covers every byte instead (connection-guard.ts).
    super(peerSocket, { associationTimeout: options.associationTimeout, pduTimeout: options.associationTimeout });
    peerSocket.once('close', () => this.discardOpenWriters());
    this.receiver = new CStoreReceiver({
      open: (message) => this.openReceiverWriter(message),
      received: (message, writer) => this.receiverStoreReceived(message, writer as StagingWriter),
      violated: (reason) => this.abortForProtocolError(reason),
      pause: () => peerSocket.pause(),
      resume: () => peerSocket.resume(),
    });
  }

  /** Each whole PDU from the socket: what this returns goes on to dcmjs-dimse. */
  routePdu(pdu: Buffer): readonly Buffer[] {
    if (!this.associationAccepted || pdu[0] !== P_DATA_TF) return [pdu];
    return this.receiver.route(pdu);
  }

  override associationRequested(association: Association): void {
    this.handlers.associationRequested?.();
    this.acceptedAssociation = association;
    this.callingAeTitle = association.getCallingAeTitle().trim();
    const log = this.handlers.logger;
    if (!this.handlers.isCallingAeAllowed(this.callingAeTitle)) {
      log.warn({ callingAeTitle: this.callingAeTitle }, 'association rejected: calling AE title not allowed');
      this.sendAssociationReject(
        constants.RejectResult.Permanent,
        constants.RejectSource.ServiceUser,
        constants.RejectReason.CallingAeNotRecognized,
      );
      return;
    }
    const calledAeTitle = association.getCalledAeTitle().trim();
    if (!this.handlers.isCalledAeOurs(calledAeTitle)) {
      log.warn({ callingAeTitle: this.callingAeTitle, calledAeTitle }, 'association rejected: called AE title is not ours');
      this.sendAssociationReject(
        constants.RejectResult.Permanent,
        constants.RejectSource.ServiceUser,
        constants.RejectReason.CalledAeNotRecognized,
      );
      return;
    }
    for (const { context } of association.getPresentationContexts()) {
      negotiatePresentationContext(context);
    }
    log.info({ callingAeTitle: this.callingAeTitle }, 'association accepted');
    this.associationAccepted = true;
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: responses.CEchoResponse) => void): void {
    const response = responses.CEchoResponse.fromRequest(request);
    response.setStatus(constants.Status.Success);
    callback(response);
  }

  override cFindRequest(request: CFindRequest, callback: (responses: responses.CFindResponse[]) => void): void {
    const identifier = (request.getDataset()?.getElements() ?? {}) as Record<string, unknown>;
    const context = this.acceptedAssociation?.getAcceptedPresentationContextFromRequest(request);
    const syntax = context?.getAcceptedTransferSyntaxUid();
    this.handlers
      .find(request.getAffectedSopClassUid(), identifier)
      .then((outcome) => {
        const pending = outcome.answers.map((answer) => {
          const response = responses.CFindResponse.fromRequest(request);
          response.setDataset(new Dataset(answer, syntax));
          response.setStatus(constants.Status.Pending);
          return response;
        });
        const final = responses.CFindResponse.fromRequest(request);
        final.setStatus(outcome.status);
        if (outcome.errorComment) final.setErrorComment(outcome.errorComment.slice(0, 64));
        callback([...pending, final]);
      })
      .catch((error: Error) => {
        this.handlers.logger.error({ err: error.message }, 'find handler failed');
        const final = responses.CFindResponse.fromRequest(request);
        final.setStatus(FindStatus.UnableToProcess);
        callback([final]);
      });
  }

  override createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable {
    const writer = this.openWriter(request.getAffectedSopClassUid() ?? '', request.getAffectedSopInstanceUid() ?? '', context);
    this.writers.set(request, writer);
    return writer;
  }

  private openWriter(sopClassUid: string, sopInstanceUid: string, context: PresentationContext): StagingWriter {
    const header = buildFileMetaHeader({
      mediaStorageSopClassUid: sopClassUid,
      mediaStorageSopInstanceUid: sopInstanceUid,
      transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
      sourceApplicationEntityTitle: this.callingAeTitle,
    });
    const writer = this.handlers.createStagingWriter(header);
    // A failed write is answered when the data set ends; without a listener it would crash the process.
    writer.on('error', (error) => this.handlers.logger.error({ err: error.message }, 'staging write failed'));
    return writer;
  }

  /**
   * The receiver's C-STORE, on the context its command came on (PS3.8 9.3.5.1), when that context is
   * accepted for this SOP class and the peer takes a response PDU: otherwise the library answers it,
   * as before the receiver existed (a SOP class on another class's context is refused by the ingest).
   */
  private openReceiverWriter(message: CStoreMessage): StagingWriter | undefined {
    const association = this.acceptedAssociation;
    const context = this.contextById(message.presentationContextId);
    if (!association || !context || context.getResult() !== constants.PresentationContextResult.Accept) return undefined;
    if (context.getAbstractSyntaxUid() !== message.affectedSopClassUid) return undefined;
    const peerMaxPdu = association.getMaxPduLength();
    if (peerMaxPdu > 0 && peerMaxPdu < LONGEST_STORE_RESPONSE_PDU) return undefined;
    const writer = this.openWriter(message.affectedSopClassUid, message.affectedSopInstanceUid, context);
    this.writers.set(message, writer);
    return writer;
  }

  /** The presentation context a PDV names (the library's own lookup throws on an unknown id). */
  private contextById(presentationContextId: number): PresentationContext | undefined {
    return this.acceptedAssociation?.getPresentationContexts().find(({ id }) => id === presentationContextId)?.context;
  }

  private receiverStoreReceived(message: CStoreMessage, writer: StagingWriter): void {
    const context = this.contextById(message.presentationContextId);
    const fields: StoreRequestFields = {
      messageId: message.messageId,
      sopClassUid: message.affectedSopClassUid,
      sopInstanceUid: message.affectedSopInstanceUid,
    };
    whenWritten(writer, (written) => {
      this.writers.delete(message);
      this.storeAndRespond(written ? writer : undefined, fields, context, () => undefined);
    });
  }

  private abortForProtocolError(reason: string): void {
    this.handlers.logger.warn({ callingAeTitle: this.callingAeTitle, reason }, 'association aborted: DIMSE protocol error');
    this.discardOpenWriters();
    this.sendAbort(constants.AbortSource.ServiceProvider, constants.AbortReason.UnexpectedPdu);
    this.peerSocket.end(() => this.peerSocket.destroy());
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    context: PresentationContext,
    callback: (dataset: Dataset) => void,
  ): void {
    const done = (): void => callback(new Dataset({}, context.getAcceptedTransferSyntaxUid()));
    if (writable.writableFinished || writable.destroyed) return done();
    writable.once('finish', done);
    writable.once('error', done);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: responses.CStoreResponse) => void): void {
    const writer = this.writers.get(request);
    this.writers.delete(request);
    const context = this.acceptedAssociation?.getAcceptedPresentationContextFromRequest(request);
    const fields: StoreRequestFields = {
      messageId: request.getMessageId(),
      sopClassUid: request.getAffectedSopClassUid() ?? '',
      sopInstanceUid: request.getAffectedSopInstanceUid() ?? '',
    };
    const written = writer && !writer.destroyed && writer.writableFinished;
    if (!written) writer?.destroy();
    this.storeAndRespond(written ? writer : undefined, fields, context, (outcome) => {
      const response = responses.CStoreResponse.fromRequest(request);
      response.setStatus(outcome.status);
      if (outcome.errorComment) response.setErrorComment(outcome.errorComment.slice(0, 64));
      callback(response);
    });
  }

  /** Stores a data set written in full (none: its writing failed) and answers; `byLibrary` when the response cannot be written here. */
  private storeAndRespond(
    writer: StagingWriter | undefined,
    request: StoreRequestFields,
    context: PresentationContext | undefined,
    byLibrary: (outcome: StoreOutcome) => void,
  ): void {
    const respond = (outcome: StoreOutcome): void => {
      if (context && this.sendStoreResponse(request, context, outcome)) return;
      byLibrary(outcome);
    };
    if (!writer) {
      respond({ status: StoreStatus.OutOfResources, errorComment: 'could not write the data set to storage' });
      return;
    }
    this.handlers
      .store(writer, {
        transferSyntaxUid: context?.getAcceptedTransferSyntaxUid() ?? '',
        sopClassUid: request.sopClassUid,
        sopInstanceUid: request.sopInstanceUid,
        callingAeTitle: this.callingAeTitle,
        correlationId: this.handlers.correlationId,
      })
      .then(respond)
      .catch((error: Error) => {
        this.handlers.logger.error({ err: error.message }, 'store handler failed');
        respond({ status: StoreStatus.OutOfResources, errorComment: 'internal error' });
      });
  }

  /** The response written straight to the socket (src/dicom/c-store-response.ts); false: let the library send it. */
  private sendStoreResponse(request: StoreRequestFields, context: PresentationContext, outcome: StoreOutcome): boolean {
    const pdu = encodeCStoreResponsePdu({
      presentationContextId: context.getPresentationContextId(),
      messageIdBeingRespondedTo: request.messageId,
      affectedSopClassUid: request.sopClassUid,
      affectedSopInstanceUid: request.sopInstanceUid,
      status: outcome.status,
      errorComment: outcome.errorComment,
    });
    const peerMaxPdu = this.acceptedAssociation?.getMaxPduLength() ?? 0;
    if ((peerMaxPdu > 0 && pdu.length - 6 > peerMaxPdu) || this.peerSocket.destroyed) return false;
    this.peerSocket.write(pdu);
    return true;
  }

  /**
   * The peer's A-ABORT: the acceptor closes the connection (PS3.8 9.2.3, AA-3). dcmjs-dimse leaves it open,
   * and a peer that aborted (storescu after a refused presentation context) then waits out its 30 s ARTIM.
   */
  override abort(): void {
    this.handlers.logger.warn({ callingAeTitle: this.callingAeTitle }, 'association aborted by peer');
    this.discardOpenWriters();
    this.peerSocket.destroy();
  }

  private discardOpenWriters(): void {
    for (const writer of this.writers.values()) writer.destroy();
    this.writers.clear();
  }
}

/** Calls back once the writer has finished (true) or failed (false), at once if it has already. */
function whenWritten(writer: StagingWriter, done: (written: boolean) => void): void {
  if (writer.writableFinished || writer.destroyed) return done(writer.writableFinished && !writer.errored);
  const settle = (): void => {
    writer.off('finish', settle);
    writer.off('close', settle);
    done(writer.writableFinished && !writer.errored);
  };
  writer.once('finish', settle);
  writer.once('close', settle);
}
