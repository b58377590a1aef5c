/**
 * A minimal, independent C-STORE SCU that sends data set bytes exactly as given, so tests can
 * deliver what dcmtk refuses to send: truncated, garbled or inconsistent data sets.
 */
import net from 'node:net';

const IMPLICIT_LE = '1.2.840.10008.1.2';

function padAe(title: string): Buffer {
  return Buffer.from(title.padEnd(16, ' ').slice(0, 16), 'latin1');
}

function uidBuffer(uid: string): Buffer {
  return Buffer.from(uid.length % 2 ? `${uid}\0` : uid, 'latin1');
}

function subItem(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt8(type, 0);
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function associateRequest(calling: string, called: string, abstractSyntax: string, transferSyntax: string): Buffer {
  const appContext = subItem(0x10, Buffer.from('1.2.840.10008.3.1.1.1', 'latin1'));
  const pcBody = Buffer.concat([
    Buffer.from([1, 0, 0, 0]),
    subItem(0x30, Buffer.from(abstractSyntax, 'latin1')),
    subItem(0x40, Buffer.from(transferSyntax, 'latin1')),
  ]);
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(65536, 0);
  const userInfo = subItem(0x50, Buffer.concat([subItem(0x51, maxLength), subItem(0x52, Buffer.from('1.2.3.4.5.6', 'latin1'))]));
  const body = Buffer.concat([
    Buffer.from([0, 1, 0, 0]),
    padAe(called),
    padAe(calling),
    Buffer.alloc(32),
    appContext,
    subItem(0x20, pcBody),
    userInfo,
  ]);
  return pdu(0x01, body);
}

function pdu(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function implicitElement(group: number, element: number, value: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(element, 2);
  header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}

function us(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value, 0);
  return buffer;
}

function storeCommand(sopClassUid: string, sopInstanceUid: string): Buffer {
  const elements = Buffer.concat([
    implicitElement(0x0000, 0x0002, uidBuffer(sopClassUid)),
    implicitElement(0x0000, 0x0100, us(0x0001)),
    implicitElement(0x0000, 0x0110, us(1)),
    implicitElement(0x0000, 0x0700, us(0)),
    implicitElement(0x0000, 0x0800, us(0x0000)),
    implicitElement(0x0000, 0x1000, uidBuffer(sopInstanceUid)),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(elements.length, 0);
  return Buffer.concat([implicitElement(0x0000, 0x0000, groupLength), elements]);
}

function pData(contextId: number, isCommand: boolean, isLast: boolean, value: Buffer): Buffer {
  const pdvHeader = Buffer.alloc(6);
  pdvHeader.writeUInt32BE(value.length + 2, 0);
  pdvHeader.writeUInt8(contextId, 4);
  pdvHeader.writeUInt8((isCommand ? 1 : 0) | (isLast ? 2 : 0), 5);
  return pdu(0x04, Buffer.concat([pdvHeader, value]));
}

export interface RawInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly dataset: Buffer;
}

export interface RawStoreOptions {
  readonly port: number;
  readonly host?: string;
  readonly callingAeTitle?: string;
  readonly calledAeTitle?: string;
  /** The abstract syntax proposed; every instance is sent on that one context. */
  readonly abstractSyntaxUid: string;
  readonly transferSyntaxUid?: string;
  readonly instances: readonly RawInstance[];
  /** The presentation context id the data set fragments name (default: the command's, 1; another is a protocol error). */
  readonly dataSetContextId?: number;
  /** Sends an A-ABORT once the association is accepted, then waits for the receiver to close the connection. */
  readonly abortWhenAccepted?: boolean;
}

export type RawStoreResult =
  { kind: 'statuses'; statuses: number[] } | { kind: 'rejected' } | { kind: 'context-rejected' } | { kind: 'aborted'; statuses: number[] };

/** Associates, sends each C-STORE in turn with the given data set bytes, collects the statuses. */
export function rawStore(options: RawStoreOptions): Promise<RawStoreResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options.port, options.host ?? '127.0.0.1');
    socket.setNoDelay(true);
    let received = Buffer.alloc(0);
    let settled = false;
    const statuses: number[] = [];
    const finish = (result: RawStoreResult): void => {
      if (settled) return;
      settled = true;
      socket.end();
      resolve(result);
    };
    const sendNext = (): void => {
      const instance = options.instances[statuses.length];
      if (!instance) {
        socket.write(pdu(0x05, Buffer.alloc(4)));
        finish({ kind: 'statuses', statuses });
        return;
      }
      socket.write(pData(1, true, true, storeCommand(instance.sopClassUid, instance.sopInstanceUid)));
      const chunkSize = 16_000;
      let offset = 0;
      do {
        const part = instance.dataset.subarray(offset, offset + chunkSize);
        offset += chunkSize;
        socket.write(pData(options.dataSetContextId ?? 1, false, offset >= instance.dataset.length, part));
      } while (offset < instance.dataset.length);
    };
    socket.setTimeout(15_000, () => {
      socket.destroy();
      if (!settled) reject(new Error('raw SCU timed out'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The receiver closed the connection (an abort) while fragments written ahead were still on their
      // way: a real SCU sees the same broken pipe. The association ended; the caller checks how.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') finish({ kind: 'aborted', statuses });
      else if (!settled) reject(error);
    });
    socket.on('close', () => finish({ kind: 'aborted', statuses }));
    socket.on('connect', () => {
      socket.write(
        associateRequest(
          options.callingAeTitle ?? 'RAWSCU',
          options.calledAeTitle ?? 'OSTEON',
          options.abstractSyntaxUid,
          options.transferSyntaxUid ?? IMPLICIT_LE,
        ),
      );
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 6) {
        const type = received.readUInt8(0);
        const length = received.readUInt32BE(2);
        if (received.length < 6 + length) return;
        const body = received.subarray(6, 6 + length);
        received = received.subarray(6 + length);
        if (type === 0x02) {
          if (!firstContextAccepted(body)) {
            socket.write(pdu(0x05, Buffer.alloc(4)));
            finish({ kind: 'context-rejected' });
            return;
          }
          if (options.abortWhenAccepted) socket.write(pdu(0x07, Buffer.alloc(4)));
          else sendNext();
        } else if (type === 0x03) {
          finish({ kind: 'rejected' });
        } else if (type === 0x04) {
          statuses.push(readStatus(body.subarray(6)));
          sendNext();
        } else if (type === 0x07) {
          finish({ kind: 'aborted', statuses });
        }
      }
    });
  });
}

/** A-ASSOCIATE-AC: walk the variable items to the presentation context's result byte. */
function firstContextAccepted(body: Buffer): boolean {
  let position = 68;
  while (position + 4 <= body.length) {
    const itemType = body.readUInt8(position);
    const itemLength = body.readUInt16BE(position + 2);
    if (itemType === 0x21) return body.readUInt8(position + 6) === 0;
    position += 4 + itemLength;
  }
  return false;
}

function readStatus(command: Buffer): number {
  let position = 0;
  while (position + 8 <= command.length) {
    const group = command.readUInt16LE(position);
    const element = command.readUInt16LE(position + 2);
    const length = command.readUInt32LE(position + 4);
    if (group === 0x0000 && element === 0x0900) return command.readUInt16LE(position + 8);
    position += 8 + length;
  }
  throw new Error('response has no status');
}
