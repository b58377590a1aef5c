import { moduleLogger } from '../common/logger';
import { InferenceErrorCode, InferenceException } from './inference.exception';
import { runPixelTask, type PixelTask, type PreparedImage } from './pixel-task';
import type { PixelWorkerRequest, PixelWorkerResponse } from './pixel.worker';
import { startWorker } from './worker-thread';

const logger = moduleLogger('inference');

interface Pending {
  resolve(result: PreparedImage): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: ReturnType<typeof startWorker>;
  readonly pending: Map<number, Pending>;
}

/**
 * Decoding (WASM codecs) and preprocessing are synchronous CPU work of 5-50 ms per image:
 * they run in worker threads so the event loop keeps serving DICOM and HTTP. Workers start
 * on first use. `workers: 0` runs tasks inline (tools that own the whole process).
 */
export class PixelWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: { workers: number }) {}

  async run(task: PixelTask): Promise<PreparedImage> {
    if (this.closed) throw new InferenceException(InferenceErrorCode.InferenceFailed, 'the pixel worker pool is closed');
    if (this.options.workers <= 0) return runPixelTask(task);
    const slot = this.pickSlot();
    const id = this.nextId++;
    const transfer = task.kind === 'dicom' && ownsWholeBuffer(task.frame.data) ? [task.frame.data.buffer as ArrayBuffer] : [];
    return new Promise<PreparedImage>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, task } satisfies PixelWorkerRequest, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private pickSlot(): Slot {
    if (this.slots.length < this.options.workers) {
      const idle = this.slots.find((slot) => slot.pending.size === 0);
      if (idle) return idle;
      return this.startWorker();
    }
    return this.slots.reduce((best, slot) => (slot.pending.size < best.pending.size ? slot : best));
  }

  private startWorker(): Slot {
    const worker = startWorker('pixel.worker');
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (response: PixelWorkerResponse) => {
      const waiting = slot.pending.get(response.id);
      if (!waiting) return;
      slot.pending.delete(response.id);
      if (response.ok) waiting.resolve(response.result);
      else waiting.reject(toError(response.code, response.message));
    });
    const fail = (reason: string): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      for (const waiting of slot.pending.values()) waiting.reject(new InferenceException(InferenceErrorCode.InferenceFailed, reason));
      slot.pending.clear();
    };
    worker.on('error', (error) => {
      logger.error({ err: error }, 'pixel worker failed');
      fail(`pixel worker failed: ${error.message}`);
    });
    worker.on('exit', (code) => fail(`pixel worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}

function ownsWholeBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
}

function toError(code: string | undefined, message: string): Error {
  const known = Object.values(InferenceErrorCode) as string[];
  if (code !== undefined && known.includes(code)) return new InferenceException(code as InferenceErrorCode, message);
  return new InferenceException(InferenceErrorCode.InferenceFailed, `pixel worker: ${message}`);
}
