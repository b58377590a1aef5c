const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

export type MllpEvent =
  | { readonly kind: 'frame'; readonly payload: Buffer }
  /** Bytes that were not a complete frame: outside any frame, or a frame cut off by a new start. */
  | { readonly kind: 'junk'; readonly reason: string };

/**
 * MLLP framing (VT … FS CR) as a state machine over the byte stream, independent of how TCP
 * cuts it: a frame may span chunks, several frames may share one. Bytes outside a frame and a
 * frame abandoned by a new VT are reported (to be NAKed), and the next frame is read cleanly.
 */
export class MllpFrameDecoder {
  private frame: Buffer[] | undefined;
  private frameBytes = 0;
  private junkBytes = 0;
  /** A frame's last byte was FS; the CR may come in the next chunk. */
  private sawFs = false;

  constructor(private readonly maxFrameBytes = 16 * 1024 * 1024) {}

  /** Part of a frame has arrived and its end has not. */
  get inFrame(): boolean {
    return this.frame !== undefined;
  }

  push(chunk: Buffer): MllpEvent[] {
    const events: MllpEvent[] = [];
    let start = 0;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index];
      if (this.frame === undefined) {
        if (byte === VT) {
          if (this.junkBytes > 0) events.push({ kind: 'junk', reason: `${this.junkBytes} bytes outside an MLLP frame` });
          this.junkBytes = 0;
          this.openFrame();
          start = index + 1;
        } else if (byte === CR && this.sawFs) {
          // FS CR without a start block: the end of a frame whose start was lost.
          events.push({ kind: 'junk', reason: `${this.junkBytes} bytes outside an MLLP frame` });
          this.junkBytes = 0;
          this.sawFs = false;
        } else {
          this.sawFs = byte === FS;
          this.junkBytes += 1;
        }
        continue;
      }
      if (this.sawFs && byte === CR) {
        // The FS is the last byte collected (in this chunk or at the end of the previous one).
        this.append(chunk.subarray(start, index));
        const payload = Buffer.concat(this.frame);
        events.push({ kind: 'frame', payload: payload.subarray(0, payload.length - 1) });
        this.frame = undefined;
        this.sawFs = false;
        continue;
      }
      this.sawFs = byte === FS;
      if (byte === VT) {
        events.push({ kind: 'junk', reason: 'an MLLP frame was cut off by the start of another' });
        this.openFrame();
        start = index + 1;
      }
    }
    if (this.frame !== undefined) {
      this.append(chunk.subarray(start));
      if (this.frameBytes > this.maxFrameBytes) {
        events.push({ kind: 'junk', reason: `an MLLP frame exceeded ${this.maxFrameBytes} bytes` });
        this.frame = undefined;
        this.sawFs = false;
      }
    }
    return events;
  }

  private openFrame(): void {
    this.frame = [];
    this.frameBytes = 0;
    this.sawFs = false;
  }

  private append(bytes: Buffer): void {
    if (!this.frame || bytes.length === 0) return;
    this.frame.push(bytes);
    this.frameBytes += bytes.length;
  }
}
