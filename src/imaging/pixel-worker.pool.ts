import { fillsItsBuffer } from '../common/array-buffers';
import { moduleLogger } from '../common/logger';
import { startWorker } from '../common/worker-thread';
import type { GreyPixels } from './grey-image';
import { ImagingErrorCode, ImagingException, isImagingErrorCode } from './imaging.exception';
import type { DisplayImage } from './display-image';
import type { PixelFrame, VoiWindow } from './pixel-frame';
import {
  decodeFrame,
  prepareImage,
  runPixelTask,
  type NativeFrame,
  type PixelResult,
  type PixelTask,
  type PrepareTask,
  type PreparedImage,
} from './pixel-task';
import type { PixelWorkerData, PixelWorkerRequest, PixelWorkerResponse } from './pixel.worker';

const logger = moduleLogger('imaging');

interface Pending {
  resolve(result: PixelResult): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: ReturnType<typeof startWorker>;
  readonly pending: Map<number, Pending>;
}

/**
 * Decoding (WASM codecs) and preprocessing are synchronous CPU work of 5-50 ms per image (more
 * for a full-size radiograph): they run in worker threads so the event loop keeps serving DICOM
 * and HTTP. Workers start on first use. `workers: 0` runs tasks inline (tools that own the whole
 * process). Use it through ImageService.
 */
export class PixelWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: { workers: number; nice?: number }) {}

  /** Display grey of a DICOM frame. */
  async decode(frame: PixelFrame): Promise<GreyPixels> {
    if (this.options.workers <= 0) return this.whenOpen(() => decodeFrame(frame));
    return (await this.post({ kind: 'decode', frame })) as GreyPixels;
  }

  /** A frame's native bytes (compressed frames decompressed). */
  async native(frame: PixelFrame): Promise<Uint8Array> {
    const task: PixelTask = { kind: 'native', frame };
    const result = (this.options.workers <= 0 ? await this.whenOpen(() => runPixelTask(task)) : await this.post(task)) as NativeFrame;
    return result.data;
  }

  /** A frame as a viewer shows it, with the reader's window if given. */
  async render(frame: PixelFrame, voi: VoiWindow | undefined): Promise<DisplayImage> {
    const task: PixelTask = { kind: 'render', frame, voi };
    return (this.options.workers <= 0 ? await this.whenOpen(() => runPixelTask(task)) : await this.post(task)) as DisplayImage;
  }

  /** The model input of a DICOM frame or a grey picture. */
  async prepare(task: PrepareTask): Promise<PreparedImage> {
    if (this.options.workers <= 0) return this.whenOpen(() => prepareImage(task));
    return (await this.post(task)) as PreparedImage;
  }

  private whenOpen<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ImagingException(ImagingErrorCode.WorkerFailed, 'the pixel worker pool is closed'));
    return work();
  }

  private post(task: PixelTask): Promise<PixelResult> {
    return this.whenOpen(() => {
      const slot = this.pickSlot();
      const id = this.nextId++;
      const message = { id, task: movable(task) } satisfies PixelWorkerRequest;
      const transfer = message.task.kind === 'grey' ? [] : [message.task.frame.data.buffer as ArrayBuffer];
      return new Promise<PixelResult>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage(message, transfer);
      });
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
    const worker = startWorker(__dirname, 'pixel.worker', { workerData: { nice: this.options.nice ?? 0 } satisfies PixelWorkerData });
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
      for (const waiting of slot.pending.values()) waiting.reject(new ImagingException(ImagingErrorCode.WorkerFailed, reason));
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

/** The frame's bytes in a buffer of their own, so they move to the worker instead of the whole file being copied. */
function movable(task: PixelTask): PixelTask {
  if (task.kind === 'grey' || fillsItsBuffer(task.frame.data)) return task;
  // A copy, not `slice()`: on a Node Buffer that is a view, and moving it would detach the whole file.
  return { ...task, frame: { ...task.frame, data: new Uint8Array(task.frame.data) } };
}

function toError(code: string | undefined, message: string): Error {
  if (isImagingErrorCode(code)) return new ImagingException(code, message);
  return new ImagingException(ImagingErrorCode.WorkerFailed, `pixel worker: ${message}`);
}
