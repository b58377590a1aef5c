import { deserialize, serialize, type Document } from 'bson';

/**
 * The parts of the MongoDB wire protocol a driver uses: OP_MSG for every command, and the
 * legacy OP_QUERY/OP_REPLY pair that drivers still send for the first handshake.
 */
const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
export const MAX_MESSAGE_BYTES = 48_000_000;

export interface WireRequest {
  readonly requestId: number;
  readonly legacy: boolean;
  /** The client wants no reply (unacknowledged write). */
  readonly noReply: boolean;
  readonly database: string;
  readonly body: Document;
}

export class WireProtocolError extends Error {}

/** Length of the next whole message in `buffer`, or 0 if it has not fully arrived. */
export function nextMessageLength(buffer: Buffer): number {
  if (buffer.length < 4) return 0;
  const length = buffer.readInt32LE(0);
  if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) throw new WireProtocolError(`invalid message length ${length}`);
  return buffer.length >= length ? length : 0;
}

export function parseMessage(message: Buffer): WireRequest {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) return parseOpMsg(message, requestId);
  if (opCode === OP_QUERY) return parseOpQuery(message, requestId);
  throw new WireProtocolError(`unsupported opCode ${opCode}`);
}

function parseOpMsg(message: Buffer, requestId: number): WireRequest {
  const flags = message.readUInt32LE(HEADER_BYTES);
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_BYTES + 4;
  let body: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      body = deserialize(message.subarray(offset, offset + size));
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const documents: Document[] = [];
      for (let position = nameEnd + 1; position < sectionEnd;) {
        const documentSize = message.readInt32LE(position);
        documents.push(deserialize(message.subarray(position, position + documentSize)));
        position += documentSize;
      }
      sequences[identifier] = documents;
      offset = sectionEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new WireProtocolError('OP_MSG without a body');
  // Document sequences (bulk inserts, updates, deletes) become the body fields they stand for.
  for (const [identifier, documents] of Object.entries(sequences)) body[identifier] = documents;
  return { requestId, legacy: false, noReply: (flags & MORE_TO_COME) !== 0, database: String(body.$db ?? 'admin'), body };
}

function parseOpQuery(message: Buffer, requestId: number): WireRequest {
  const nameEnd = message.indexOf(0, HEADER_BYTES + 4);
  const collection = message.toString('utf8', HEADER_BYTES + 4, nameEnd);
  const queryStart = nameEnd + 1 + 8;
  const size = message.readInt32LE(queryStart);
  let body = deserialize(message.subarray(queryStart, queryStart + size));
  if (body.$query && typeof body.$query === 'object') body = body.$query as Document;
  return { requestId, legacy: true, noReply: false, database: collection.split('.')[0] ?? 'admin', body };
}

export function encodeReply(request: WireRequest, response: Document): Buffer {
  const document = serialize(response);
  if (request.legacy) {
    const header = Buffer.alloc(HEADER_BYTES + 20);
    header.writeInt32LE(header.length + document.length, 0);
    header.writeInt32LE(0, 4);
    header.writeInt32LE(request.requestId, 8);
    header.writeInt32LE(OP_REPLY, 12);
    header.writeInt32LE(0, 16); // responseFlags
    header.writeBigInt64LE(0n, 20); // cursorID
    header.writeInt32LE(0, 28); // startingFrom
    header.writeInt32LE(1, 32); // numberReturned
    return Buffer.concat([header, document]);
  }
  const header = Buffer.alloc(HEADER_BYTES + 5);
  header.writeInt32LE(header.length + document.length, 0);
  header.writeInt32LE(0, 4);
  header.writeInt32LE(request.requestId, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16); // flagBits
  header.writeUInt8(0, 20); // section kind 0: body
  return Buffer.concat([header, document]);
}
