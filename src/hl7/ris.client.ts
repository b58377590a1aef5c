import type { Socket } from 'node:net';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type Connection, type InboundResponse, type Message } from 'node-hl7-client';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';

export interface RisAck {
  readonly code: string;
  /** MSA-3 text plus ERR-8 / ERR-3 text, for the delivery state and the dead letter. */
  readonly text: string;
}

interface OpenConnection {
  readonly client: Client;
  readonly connection: Connection;
  readonly socket: Socket;
  closed: boolean;
}

interface Pending {
  readonly controlId: string;
  readonly resolve: (ack: RisAck) => void;
  readonly reject: (error: Error) => void;
}

function field(message: ReturnType<InboundResponse['getMessage']>, path: string): string {
  try {
    return message.get(path).toString().trim();
  } catch {
    return '';
  }
}

/**
 * The MLLP connection to the RIS (node-hl7-client 3.2.0): one connection reused for every
 * message, one message in flight at a time, re-opened after a drop or an ACK timeout. The
 * library neither reports a refused connection nor reconnects when its reconnect timer is
 * off, and it queues (and later re-sends) what is written while it is not connected; so this
 * class watches the socket itself and only writes on a connected, idle connection.
 */
@Injectable()
export class RisClient implements OnApplicationShutdown {
  private readonly logger = moduleLogger('hl7');
  private open: OpenConnection | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Sends one message and waits for its ACK (MSA-2 = our MSH-10); rejects on timeout or a drop. */
  send(message: Message, controlId: string): Promise<RisAck> {
    const next = this.queue.then(() => this.sendNow(message, controlId));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drop();
  }

  private async sendNow(message: Message, controlId: string): Promise<RisAck> {
    const open = await this.connect();
    const timeoutMs = this.config.hl7.ackTimeoutMs;
    return new Promise<RisAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        // The session's state is unknown after a lost ACK: start the next message on a fresh one.
        void this.drop();
        reject(new Error(`no ACK from the RIS within ${timeoutMs} ms for message ${controlId}`));
      }, timeoutMs);
      this.pending = {
        controlId,
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      open.connection.sendMessage(message).catch((error: unknown) => this.failPending(error as Error));
    });
  }

  private connect(): Promise<OpenConnection> {
    if (this.open && !this.open.closed) return Promise.resolve(this.open);
    const ris = this.config.hl7.ris;
    if (!ris) return Promise.reject(new Error('no RIS is configured (OSTEON_RIS_HOST / OSTEON_RIS_PORT)'));
    return new Promise<OpenConnection>((resolve, reject) => {
      const client = new Client({ host: ris.host });
      const connection = client.createConnection({ port: ris.port, waitAck: true, maxConnectionAttempts: 1 }, async (response) =>
        this.acknowledged(response),
      );
      // autoConnect opened the socket in the constructor; the library keeps it private.
      const socket = (connection as unknown as { _socket: Socket })._socket;
      socket.setNoDelay(true);
      const open: OpenConnection = { client, connection, socket, closed: false };
      const timer = setTimeout(() => {
        socket.destroy(new Error(`connecting to the RIS at ${ris.host}:${ris.port} timed out`));
      }, this.config.hl7.ackTimeoutMs);
      let connected = false;
      connection.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        this.open = open;
        this.logger.info({ host: ris.host, port: ris.port }, 'connected to the RIS');
        resolve(open);
      });
      socket.once('error', (error: Error) => {
        if (!connected) reject(new Error(`cannot connect to the RIS at ${ris.host}:${ris.port}: ${error.message}`));
      });
      socket.once('close', () => {
        clearTimeout(timer);
        open.closed = true;
        if (this.open === open) this.open = undefined;
        void connection.close();
        if (!connected) {
          reject(new Error(`cannot connect to the RIS at ${ris.host}:${ris.port}: connection closed`));
          return;
        }
        this.logger.warn({ host: ris.host, port: ris.port }, 'connection to the RIS closed');
        this.failPending(new Error('the RIS closed the connection before it acknowledged the message'));
      });
    });
  }

  private async acknowledged(response: InboundResponse): Promise<void> {
    const ack = response.getMessage();
    const acknowledgedId = field(ack, 'MSA.2');
    const pending = this.pending;
    if (!pending || pending.controlId !== acknowledgedId) {
      this.logger.warn({ acknowledgedId }, 'ACK for a message that is not waiting: ignored');
      return;
    }
    this.pending = undefined;
    const text = [field(ack, 'MSA.3'), field(ack, 'ERR.8'), field(ack, 'ERR.3.2')].filter((part) => part !== '').join('; ');
    pending.resolve({ code: field(ack, 'MSA.1').toUpperCase(), text });
  }

  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private async drop(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    open.closed = true;
    open.socket.destroy();
    await open.connection.close();
  }
}
