import net from 'node:net';
import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { Hl7InboundService } from './hl7-inbound.service';
import { Hl7Metrics } from './hl7-metrics';
import { MllpFrameDecoder } from './mllp-frame.decoder';
import { MllpJunkBurst } from './mllp-junk-burst';
import { createMllpServer } from './mllp-server.factory';

const VT = Buffer.from([0x0b]);
const END = Buffer.from([0x1c, 0x0d]);

/**
 * The MLLP listener for the RIS (OSTEON_MLLP_HOST / OSTEON_MLLP_PORT). Our own `net.Server`
 * and framing instead of @medplum/hl7's Hl7Server: that server cannot bind a chosen host, and
 * its framing only ends a frame when a TCP chunk ends with FS CR and strips the first byte
 * blindly — a half frame followed by a good message is parsed as one and ACKed with the
 * wrong control id (tried with 4.5.2). Parsing and ACKs still use @medplum/core's Hl7Message.
 * Messages on one connection are answered in order, one at a time.
 */
@Injectable()
export class MllpListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = moduleLogger('hl7');
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly inbound: Hl7InboundService,
    @Optional() private readonly metrics?: Hl7Metrics,
  ) {}

  /** Listens only once every job handler is registered, like the DICOM listener. */
  async onApplicationBootstrap(): Promise<void> {
    const listener = this.config.hl7.listener;
    if (!listener) return;
    const server = createMllpServer(this.config.hl7.tls, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listener.port, listener.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error({ err: error.message }, 'MLLP listener error'));
    // A client without an accepted certificate (or not speaking TLS) fails the handshake: log, never crash.
    server.on('tlsClientError', (error: Error, socket: net.Socket) =>
      this.logger.warn({ remote: socket.remoteAddress, err: error.message }, 'MLLP TLS handshake refused'),
    );
    this.server = server;
    this.logger.info({ host: listener.host, port: listener.port, tls: this.config.hl7.tls !== undefined }, 'MLLP listener started');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const remote = socket.remoteAddress;
    const decoder = new MllpFrameDecoder();
    const junk = new MllpJunkBurst();
    const logBurst = (pieces: number): void => {
      if (pieces > 1) this.logger.warn({ remote, pieces }, 'MLLP garbage burst ended (one NAK sent for it)');
    };
    let pending = 0;
    let replies: Promise<void> = Promise.resolve();
    const reply = (answer: () => Promise<string> | string): void => {
      pending += 1;
      replies = replies
        .then(async () => {
          const text = await answer();
          this.metrics?.sent(text);
          if (!socket.destroyed) socket.write(Buffer.concat([VT, Buffer.from(text, 'utf8'), END]));
        })
        .catch((error: Error) => this.logger.error({ err: error.message }, 'MLLP reply failed'))
        .finally(() => (pending -= 1));
    };
    // An idle connection, or one stuck half-way through a frame, is closed; waiting for our own answer is not idle.
    socket.setTimeout(this.config.hl7.listenerIdleTimeoutMs);
    socket.on('timeout', () => {
      if (pending > 0) return;
      this.logger.warn({ remote, partialFrame: decoder.inFrame }, 'MLLP connection closed: idle');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind === 'frame') {
          logBurst(junk.end());
          const text = event.payload.toString('utf8');
          reply(() => this.inbound.handle(text, remote ?? ''));
          continue;
        }
        const { startsBurst, ended } = junk.junk();
        logBurst(ended);
        if (!startsBurst) continue;
        this.logger.warn({ remote, reason: event.reason }, 'MLLP bytes outside a frame: NAK');
        reply(() => this.inbound.unframed(event.reason));
      }
    });
    socket.on('error', (error) => this.logger.warn({ remote, err: error.message }, 'MLLP connection error'));
    socket.on('close', () => {
      logBurst(junk.end());
      this.sockets.delete(socket);
    });
  }
}
