import net from 'node:net';
import { setInternalBufferSize, type Document } from 'bson';
import { adminCommands } from './admin-commands';
import type { CommandHandler } from './command-handler';
import { CursorRegistry } from './cursor-registry';
import type { EmbeddedStore } from './embedded-store';
import { JournalWriteError } from './journal';
import { readCommands } from './read-commands';
import { StoreCommandError } from './store-command.error';
import { encodeReply, nextMessageLength, parseMessage, type WireRequest } from './wire-protocol';
import { writeCommands } from './write-commands';

const HANDLERS: Record<string, CommandHandler> = { ...adminCommands, ...readCommands, ...writeCommands };

// Replies can carry up to 16 MiB documents plus the envelope.
setInternalBufferSize(48 * 1024 * 1024);

function errorReply(error: unknown): Document {
  if (error instanceof StoreCommandError)
    return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName, ...error.details };
  if (error instanceof JournalWriteError) {
    return error.diskFull
      ? { ok: 0, errmsg: error.message, code: 14031, codeName: 'OutOfDiskSpace' }
      : { ok: 0, errmsg: error.message, code: 1, codeName: 'InternalError' };
  }
  return { ok: 0, errmsg: (error as Error).message ?? String(error), code: 1, codeName: 'InternalError' };
}

/**
 * The embedded database's MongoDB-wire listener (loopback only). Each command runs to the
 * end synchronously against the in-memory state, so commands are atomic; its reply is held
 * until the journal holds everything up to that moment, so no client ever sees (or is told
 * about) a change that a crash could still take back.
 */
export class EmbeddedServer {
  private readonly cursors = new CursorRegistry();
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private connections = 0;

  constructor(private readonly store: EmbeddedStore) {}

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(port, host, () => {
        this.server = server;
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const connectionId = (this.connections += 1);
    let chunks: Buffer[] = [];
    let buffered = 0;
    let busy = false;
    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          const head = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
          chunks = [head];
          const length = nextMessageLength(head);
          if (length === 0) break;
          const message = head.subarray(0, length);
          const rest = head.subarray(length);
          chunks = rest.length > 0 ? [rest] : [];
          buffered = rest.length;
          const reply = await this.handle(parseMessage(message), connectionId);
          if (reply && !socket.destroyed) socket.write(reply);
          if (buffered === 0) break;
        }
      } catch {
        socket.destroy();
      } finally {
        busy = false;
      }
    };
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      buffered += data.length;
      void drain();
    });
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private async handle(request: WireRequest, connectionId: number): Promise<Buffer | undefined> {
    const [name] = Object.keys(request.body);
    const handler = name ? HANDLERS[name] : undefined;
    let reply: Document;
    try {
      if (!handler) throw new StoreCommandError(59, 'CommandNotFound', `no such command: '${name ?? ''}'`);
      if (request.body.startTransaction)
        throw new StoreCommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
      reply = handler({ store: this.store, cursors: this.cursors, database: request.database, body: request.body, connectionId });
    } catch (error) {
      reply = errorReply(error);
    } finally {
      this.store.commit();
    }
    try {
      await this.store.durable();
    } catch (error) {
      reply = errorReply(error);
    }
    return request.noReply ? undefined : encodeReply(request, reply);
  }
}
