/**
 * `multipart/related` (RFC 2387) as DICOMweb uses it: written for WADO-RS answers, read as a
 * stream for STOW-RS bodies (a part's bytes go to their sink as they arrive, never whole in memory).
 */

import { randomBytes } from 'node:crypto';

const CRLF = Buffer.from('\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export function newBoundary(): string {
  return `osteon-${randomBytes(12).toString('hex')}`;
}

/** The boundary parameter of a Content-Type header, unquoted; undefined if absent or invalid (RFC 2046 5.1.1). */
export function boundaryOf(contentType: string): string | undefined {
  // RFC 2046 allows 70 characters; Orthanc sends 73: take up to 200.
  const match = /;\s*boundary=("([^"]{1,200})"|[^;\s]{1,200})/i.exec(contentType);
  const boundary = match?.[2] ?? match?.[1];
  return boundary && /^[0-9A-Za-z'()+_,\-./:=? ]+$/.test(boundary) ? boundary : undefined;
}

/** One part of an answer: its content type and its bytes (a buffer, or chunks read as it is written). */
export interface OutgoingPart {
  readonly contentType: string;
  readonly contentLocation?: string;
  readonly body: Buffer | AsyncIterable<Buffer>;
}

/** The body of a `multipart/related` answer, part by part. */
export async function* multipartBody(
  boundary: string,
  parts: AsyncIterable<OutgoingPart> | Iterable<OutgoingPart>,
): AsyncGenerator<Buffer> {
  for await (const part of parts) {
    const headers = [`--${boundary}`, `Content-Type: ${part.contentType}`];
    if (part.contentLocation) headers.push(`Content-Location: ${part.contentLocation}`);
    yield Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1');
    if (Buffer.isBuffer(part.body)) yield part.body;
    else for await (const chunk of part.body) yield chunk;
    yield CRLF;
  }
  yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
}

/** Where a part's bytes go; `end` is called after its last byte, `abort` when the body breaks off. */
export interface PartSink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
  abort(): Promise<void>;
}

export class MultipartSyntaxError extends Error {}
export class MultipartTooLargeError extends Error {}

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';

/**
 * Reads a multipart body as it arrives: each part's headers (lower-case names) go to `openPart`,
 * its bytes to the sink it returns. Throws MultipartSyntaxError on a malformed body and
 * MultipartTooLargeError past `maxBytes`; either way the open part is aborted.
 */
export async function readMultipart(
  body: AsyncIterable<Buffer | string>,
  boundary: string,
  openPart: (headers: Readonly<Record<string, string>>) => Promise<PartSink>,
  maxBytes: number,
): Promise<number> {
  // A leading CRLF lets the first delimiter match like every other one.
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  let pending: Buffer = Buffer.from(CRLF);
  let state: State = 'preamble';
  let sink: PartSink | undefined;
  let received = 0;
  let parts = 0;
  try {
    for await (const raw of body) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
      received += chunk.length;
      if (received > maxBytes) throw new MultipartTooLargeError(`the body is larger than ${maxBytes} bytes`);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (let progressed = true; progressed && state !== 'done';) {
        progressed = false;
        if (state === 'preamble' || state === 'body') {
          const at = pending.indexOf(delimiter);
          const keep = at >= 0 ? at : Math.max(0, pending.length - delimiter.length + 1);
          if (state === 'body' && sink && keep > 0) await sink.write(pending.subarray(0, keep));
          if (at < 0) {
            pending = pending.subarray(keep);
            break;
          }
          if (state === 'body' && sink) await sink.end();
          sink = undefined;
          pending = pending.subarray(at + delimiter.length);
          state = 'after-delimiter';
          progressed = true;
        } else if (state === 'after-delimiter') {
          const lineEnd = pending.indexOf(CRLF);
          if (lineEnd < 0) {
            if (pending.length >= 2 && pending.subarray(0, 2).toString('latin1') === '--') state = 'done';
            else if (pending.length > 256) throw new MultipartSyntaxError('a boundary line is malformed');
            progressed = state === 'done';
            continue;
          }
          const rest = pending.subarray(0, lineEnd).toString('latin1');
          if (rest.startsWith('--')) state = 'done';
          else if (rest.trim() !== '') throw new MultipartSyntaxError('a boundary line is malformed');
          else state = 'headers';
          pending = pending.subarray(lineEnd + 2);
          progressed = true;
        } else if (state === 'headers') {
          const end = pending.indexOf('\r\n\r\n');
          const empty = pending.subarray(0, 2).equals(CRLF);
          if (end < 0 && !empty) {
            if (pending.length > MAX_HEADER_BYTES) throw new MultipartSyntaxError('part headers are too long');
            break;
          }
          const headerEnd = empty ? 0 : end;
          sink = await openPart(parseHeaders(pending.subarray(0, headerEnd).toString('latin1')));
          parts += 1;
          pending = pending.subarray(headerEnd + (empty ? 2 : 4));
          state = 'body';
          progressed = true;
        }
      }
    }
    if (state !== 'done') throw new MultipartSyntaxError('the body ends before its closing boundary');
    return parts;
  } catch (error) {
    await sink?.abort();
    throw error;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartSyntaxError('a part header is malformed');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
