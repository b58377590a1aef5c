import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../common/thread-priority';
import { ImagingException } from './imaging.exception';
import { collectNow, LARGE_TASK_PIXELS } from './large-buffer-collector';
import { pixelsOf, runPixelTask, transferableOf, type PixelResult, type PixelTask } from './pixel-task';

/** Worker thread entry: decodes and preprocesses off the event loop (see PixelWorkerPool). */
export interface PixelWorkerRequest {
  readonly id: number;
  readonly task: PixelTask;
}

export type PixelWorkerResponse =
  | { readonly id: number; readonly ok: true; readonly result: PixelResult }
  | { readonly id: number; readonly ok: false; readonly code: string | undefined; readonly message: string };

export interface PixelWorkerData {
  /** This thread's nice value: decoding for the model or a viewer yields to receiving images. */
  readonly nice: number;
}

const port = parentPort;
if (port) {
  lowerThreadPriority((workerData as PixelWorkerData | undefined)?.nice ?? 0);
  port.on('message', (request: PixelWorkerRequest) => {
    runPixelTask(request.task)
      .then(
        (result) => port.postMessage({ id: request.id, ok: true, result } satisfies PixelWorkerResponse, [transferableOf(result)]),
        (error: unknown) =>
          port.postMessage({
            id: request.id,
            ok: false,
            code: error instanceof ImagingException ? error.code : undefined,
            message: error instanceof ImagingException ? error.reason : error instanceof Error ? error.message : String(error),
          } satisfies PixelWorkerResponse),
      )
      .finally(() => {
        if (pixelsOf(request.task) >= LARGE_TASK_PIXELS) collectNow();
      });
  });
}
