import { crc32 } from 'node:zlib';

/**
 * The framing shared by the journal and the snapshot: 4 magic bytes, the payload length
 * (uint32 LE), the CRC-32 of the payload (uint32 LE), then the payload. A frame whose length
 * runs past the end or whose checksum fails is not applied.
 */
export const FRAME_HEADER_BYTES = 12;
const MAX_PAYLOAD_BYTES = 1 << 30;

export function frame(magic: Buffer, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  magic.copy(header, 0, 0, 4);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

export type FrameRead =
  | { readonly kind: 'frame'; readonly payload: Buffer; readonly next: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'bad'; readonly reason: string };

/** Reads the frame at `offset`: a whole valid frame, the clean end of the data, or why not. */
export function readFrame(data: Buffer, offset: number, magic: Buffer): FrameRead {
  if (offset === data.length) return { kind: 'end' };
  if (data.length - offset < FRAME_HEADER_BYTES) return { kind: 'bad', reason: 'incomplete frame header' };
  if (data.compare(magic, 0, 4, offset, offset + 4) !== 0) return { kind: 'bad', reason: 'no frame marker' };
  const length = data.readUInt32LE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES) return { kind: 'bad', reason: 'implausible frame length' };
  const start = offset + FRAME_HEADER_BYTES;
  if (start + length > data.length) return { kind: 'bad', reason: 'frame runs past the end of the file' };
  const payload = data.subarray(start, start + length);
  if (crc32(payload) !== data.readUInt32LE(offset + 8)) return { kind: 'bad', reason: 'checksum mismatch' };
  return { kind: 'frame', payload, next: start + length };
}

/** Payloads of the whole valid frames found anywhere after a bad frame at `offset`. */
export function framesAfter(data: Buffer, offset: number, magic: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  let position = data.indexOf(magic, offset + 1);
  while (position >= 0) {
    const read = readFrame(data, position, magic);
    if (read.kind === 'frame') {
      payloads.push(read.payload);
      position = data.indexOf(magic, read.next);
    } else {
      position = data.indexOf(magic, position + 1);
    }
  }
  return payloads;
}

export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(
      `embedded database file ${file} is damaged at byte ${offset} (${reason}); nothing was changed: restore it from a backup or move it aside`,
    );
    this.name = 'StoreCorruptError';
  }
}
