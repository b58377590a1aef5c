import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Implementation, log as dimseLog } from 'dcmjs-dimse';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { OSTEON_IMPLEMENTATION_CLASS_UID, OSTEON_IMPLEMENTATION_VERSION } from '../imaging/dicom-file.constants';
import { BlobStoreRepository } from '../storage/blob-store.repository';
import type { StagingWriter } from '../storage/staging-writer';
import { DicomMetrics } from './dicom-metrics';
import { FindStatus } from './dicom.constants';
import { IngestActivity } from './ingest-activity';
import { IngestService } from './ingest.service';
import { guardConnection } from './connection-guard';
import { joinDimseCommandsWithoutDeprecatedBuffer } from './dimse-command-buffer';
import { deliverWholePdus } from './whole-pdu-delivery';
import { OsteonScp } from './osteon-scp';
import type { FindOutcome, StoreOutcome } from './scp-handlers';
import { QueryErrorCode, QueryException } from './query.exception';
import { QueryService } from './query.service';
import { storeStatusFor } from './store-status';

/**
 * The DICOM listener: owns the TCP server and hands each association to an OsteonScp.
 * We create the net.Server ourselves to bind a chosen host and set TCP_NODELAY on every socket.
 */
@Injectable()
export class DicomScpChannel {
  private readonly logger = moduleLogger('dicom-scp');
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private listening = false;
  /** When each C-STORE's data set began to arrive (its staging writer was created). */
  private readonly receiveStarted = new WeakMap<StagingWriter, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly blobs: BlobStoreRepository,
    private readonly ingest: IngestService,
    private readonly queries: QueryService,
    private readonly activity: IngestActivity,
    @Optional() private readonly metrics?: DicomMetrics,
  ) {
    dimseLog.setLevel('error');
    joinDimseCommandsWithoutDeprecatedBuffer();
    Implementation.setImplementationClassUid(OSTEON_IMPLEMENTATION_CLASS_UID);
    Implementation.setImplementationVersion(OSTEON_IMPLEMENTATION_VERSION);
    Implementation.setMaxPduLength(config.dicom.maxPduLength);
  }

  get isListening(): boolean {
    return this.listening;
  }

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.dicom.port, this.config.dicom.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error({ err: error.message }, 'DICOM listener error'));
    this.listening = true;
    this.logger.info(
      { aeTitle: this.config.dicom.aeTitle, host: this.config.dicom.host, port: this.config.dicom.port },
      'DICOM listener started',
    );
  }

  async stop(): Promise<void> {
    this.listening = false;
    const server = this.server;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', (error) => this.logger.debug({ err: error.message }, 'DICOM socket error'));
    const correlationId = randomUUID();
    const logger = this.logger.child({ correlationId, remote: socket.remoteAddress });
    const allowed = this.config.dicom.allowedCallingAeTitles;
    const guard = guardConnection(socket, {
      artimMs: this.config.dicom.artimTimeoutMs,
      idleMs: this.config.dicom.associationTimeoutMs,
      onTimeout: (kind) =>
        logger.warn(
          { timeout: kind },
          kind === 'artim' ? 'DICOM connection closed: no association request in time' : 'DICOM connection closed: idle',
        ),
    });
    const scp = new OsteonScp(
      socket,
      {
        logger,
        correlationId,
        associationRequested: () => guard.associationRequested(),
        isCallingAeAllowed: (callingAeTitle) => allowed.length === 0 || allowed.includes(callingAeTitle),
        isCalledAeOurs: (calledAeTitle) => calledAeTitle === this.config.dicom.aeTitle,
        createStagingWriter: (header) => {
          this.activity.touch();
          const writer = this.blobs.createStagingWriter(header);
          this.receiveStarted.set(writer, performance.now());
          return writer;
        },
        store: (writer, context) => guard.busy(this.store(writer, context)),
        find: (sopClassUid, identifier) => guard.busy(this.find(sopClassUid, identifier, correlationId)),
      },
      { associationTimeout: this.config.dicom.associationTimeoutMs },
    );
    deliverWholePdus(
      socket,
      pduLimit(this.config.dicom.maxPduLength),
      (length) => logger.warn({ length }, 'DICOM connection closed: PDU longer than the accepted maximum'),
      (pdu) => scp.routePdu(pdu),
    );
  }

  private async find(sopClassUid: string, identifier: Record<string, unknown>, correlationId: string): Promise<FindOutcome> {
    try {
      return { answers: await this.queries.find(sopClassUid, identifier), status: FindStatus.Success };
    } catch (error) {
      const refused = error instanceof QueryException;
      const status = refused ? findStatusOf(error.code) : FindStatus.UnableToProcess;
      this.logger.warn(
        { correlationId, status: `0x${status.toString(16).toUpperCase()}`, reason: (error as Error).message },
        'C-FIND failed',
      );
      return { answers: [], status, errorComment: refused ? (error as Error).message : 'internal error' };
    }
  }

  private async store(
    writer: StagingWriter,
    context: { transferSyntaxUid: string; sopClassUid: string; sopInstanceUid: string; callingAeTitle: string; correlationId: string },
  ): Promise<StoreOutcome> {
    const startedAt = this.receiveStarted.get(writer) ?? performance.now();
    try {
      // The association's id goes by hand (the ingest's log lines, the analysis it schedules and all that
      // follows carry it), not through AsyncLocalStorage, which costs on every promise (common/correlation.ts).
      await this.ingest.ingest({
        staged: writer.result(),
        transferSyntaxUid: context.transferSyntaxUid,
        expected: { sopClassUid: context.sopClassUid, sopInstanceUid: context.sopInstanceUid },
        callingAeTitle: context.callingAeTitle,
        source: 'dicom',
        receivedAt: new Date(),
        correlationId: context.correlationId,
      });
      this.metrics?.stored(startedAt);
      return { status: 0x0000 };
    } catch (error) {
      const outcome = storeStatusFor(error);
      this.metrics?.refused(startedAt, outcome.status);
      this.logger.warn(
        {
          correlationId: context.correlationId,
          sopInstanceUid: context.sopInstanceUid,
          status: `0x${outcome.status.toString(16).padStart(4, '0').toUpperCase()}`,
          reason: outcome.errorComment,
        },
        'C-STORE failed',
      );
      return outcome;
    }
  }
}

/**
 * The longest PDU buffered before the connection is closed: generous, since peers differ in how
 * they count the negotiated maximum and an association request with many presentation contexts
 * may exceed a small one; the point is only that no header makes us buffer without bound.
 */
function pduLimit(maxPduLength: number): number {
  return Math.max(2 * maxPduLength, 1024 * 1024);
}

function findStatusOf(code: QueryErrorCode): number {
  switch (code) {
    case QueryErrorCode.IdentifierInvalid:
      return FindStatus.IdentifierDoesNotMatchSopClass;
    case QueryErrorCode.TooManyMatches:
      return FindStatus.OutOfResources;
  }
}
