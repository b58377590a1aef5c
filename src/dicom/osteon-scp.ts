import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { type association as dimseAssociation, constants, Dataset, responses, Scp } from 'dcmjs-dimse';
import type { requests } from 'dcmjs-dimse';
import type { Logger } from '../common/logger';
import { TransferSyntax } from '../imaging/dicom-file.constants';
import { buildFileMetaHeader } from '../imaging/part10';
import type { StagingWriter } from '../storage/staging-writer';
import { encodeCStoreResponsePdu } from './c-store-response';
import {
  ACCEPTED_STORAGE_SOP_CLASSES,
  FindStatus,
  QUERY_SOP_CLASSES,
  StoreStatus,
  TRANSFER_SYNTAX_PREFERENCE,
  VERIFICATION_SOP_CLASS,
} from './dicom.constants';

type Association = dimseAssociation.Association;
type PresentationContext = dimseAssociation.PresentationContext;
type CStoreRequest = requests.CStoreRequest;
type CEchoRequest = requests.CEchoRequest;
type CFindRequest = requests.CFindRequest;

export interface StoreOutcome {
  readonly status: number;
  readonly errorComment?: string;
}

/** What one association needs from the engine; the SCP itself holds no logic. */
export interface ScpHandlers {
  /** Called first when an association request arrives (the connection guard's ARTIM timer stops). */
  associationRequested?(): void;
  isCallingAeAllowed(callingAeTitle: string): boolean;
  isCalledAeOurs(calledAeTitle: string): boolean;
  createStagingWriter(header: Buffer): StagingWriter;
  store(
    writer: StagingWriter,
    context: { transferSyntaxUid: string; sopClassUid: string; sopInstanceUid: string; callingAeTitle: string; correlationId: string },
  ): Promise<StoreOutcome>;
  /** C-FIND: the answers (each becomes a pending response) and the final status. */
  find(sopClassUid: string, identifier: Record<string, unknown>): Promise<FindOutcome>;
  readonly logger: Logger;
  readonly correlationId: string;
}

export interface FindOutcome {
  readonly answers: ReadonlyArray<Record<string, unknown>>;
  readonly status: number;
  readonly errorComment?: string;
}

/** Picks the syntax Osteon prefers among those the modality proposed. */
export function chooseTransferSyntax(proposed: readonly string[]): string | undefined {
  return TRANSFER_SYNTAX_PREFERENCE.find((syntax) => proposed.includes(syntax));
}

/**
 * dcmjs-dimse SCP for one association. The data set of a C-STORE streams straight into an
 * fsynced staging file (never buffered whole in memory) behind a Part 10 header built from
 * the command, so the stored bytes are exactly those received.
 */
export class OsteonScp extends Scp {
  private readonly writers = new Map<CStoreRequest, StagingWriter>();
  private callingAeTitle = '';
  private acceptedAssociation: Association | undefined;

  constructor(
    private readonly peerSocket: Socket,
    private readonly handlers: ScpHandlers,
    options: { associationTimeout: number },
  ) {
    super(peerSocket, { associationTimeout: options.associationTimeout, pduTimeout: options.associationTimeout });
    peerSocket.once('close', () => this.discardOpenWriters());
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
      acceptOrReject(context);
    }
    log.info({ callingAeTitle: this.callingAeTitle }, 'association accepted');
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
    const header = buildFileMetaHeader({
      mediaStorageSopClassUid: request.getAffectedSopClassUid() ?? '',
      mediaStorageSopInstanceUid: request.getAffectedSopInstanceUid() ?? '',
      transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
      sourceApplicationEntityTitle: this.callingAeTitle,
    });
    const writer = this.handlers.createStagingWriter(header);
    // A failed write is answered in cStoreRequest; without a listener it would crash the process.
    writer.on('error', (error) => this.handlers.logger.error({ err: error.message }, 'staging write failed'));
    this.writers.set(request, writer);
    return writer;
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
    const respond = (outcome: StoreOutcome): void => {
      if (context && this.sendStoreResponse(request, context, outcome)) return;
      const response = responses.CStoreResponse.fromRequest(request);
      response.setStatus(outcome.status);
      if (outcome.errorComment) response.setErrorComment(outcome.errorComment.slice(0, 64));
      callback(response);
    };
    if (!writer || writer.destroyed || !writer.writableFinished) {
      writer?.destroy();
      respond({ status: StoreStatus.OutOfResources, errorComment: 'could not write the data set to storage' });
      return;
    }
    this.handlers
      .store(writer, {
        transferSyntaxUid: context?.getAcceptedTransferSyntaxUid() ?? '',
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: request.getAffectedSopInstanceUid(),
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
  private sendStoreResponse(request: CStoreRequest, context: PresentationContext, outcome: StoreOutcome): boolean {
    const pdu = encodeCStoreResponsePdu({
      presentationContextId: context.getPresentationContextId(),
      messageIdBeingRespondedTo: request.getMessageId(),
      affectedSopClassUid: request.getAffectedSopClassUid() ?? '',
      affectedSopInstanceUid: request.getAffectedSopInstanceUid() ?? '',
      status: outcome.status,
      errorComment: outcome.errorComment,
    });
    const peerMaxPdu = this.acceptedAssociation?.getMaxPduLength() ?? 0;
    if ((peerMaxPdu > 0 && pdu.length - 6 > peerMaxPdu) || this.peerSocket.destroyed) return false;
    this.peerSocket.write(pdu);
    return true;
  }

  override abort(): void {
    this.handlers.logger.warn({ callingAeTitle: this.callingAeTitle }, 'association aborted by peer');
    this.discardOpenWriters();
  }

  private discardOpenWriters(): void {
    for (const writer of this.writers.values()) writer.destroy();
    this.writers.clear();
  }
}

/** Queries are small: plain little endian only, explicit preferred. */
const QUERY_TRANSFER_SYNTAXES = [TransferSyntax.ExplicitVrLittleEndian, TransferSyntax.ImplicitVrLittleEndian];

function acceptOrReject(context: PresentationContext): void {
  const abstractSyntax = context.getAbstractSyntaxUid();
  if (QUERY_SOP_CLASSES.has(abstractSyntax)) {
    const proposed = context.getTransferSyntaxUids();
    const chosen = QUERY_TRANSFER_SYNTAXES.find((syntax) => proposed.includes(syntax));
    if (chosen) context.setResult(constants.PresentationContextResult.Accept, chosen);
    else context.setResult(constants.PresentationContextResult.RejectTransferSyntaxesNotSupported);
    return;
  }
  if (abstractSyntax !== VERIFICATION_SOP_CLASS && !ACCEPTED_STORAGE_SOP_CLASSES.has(abstractSyntax)) {
    context.setResult(constants.PresentationContextResult.RejectAbstractSyntaxNotSupported);
    return;
  }
  const chosen = chooseTransferSyntax(context.getTransferSyntaxUids());
  if (chosen) context.setResult(constants.PresentationContextResult.Accept, chosen);
  else context.setResult(constants.PresentationContextResult.RejectTransferSyntaxesNotSupported);
}
