import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { lowerThreadPriority } from '../common/thread-priority';
import { modelSessionOptions } from './model-session-options';

/**
 * Worker thread that owns the onnxruntime session. onnxruntime-node's `run` is synchronous
 * native work deferred by setImmediate, so on the main thread it would block the event loop
 * for the whole inference; here it blocks only this thread.
 */
export interface ModelWorkerData {
  readonly threads: number;
  /** This thread's nice value, set before the session makes its pool: receiving images comes first. */
  readonly nice: number;
}

/**
 * The model's bytes come as the first message, not as workerData: workerData stays referenced for
 * the worker's lifetime, and onnxruntime keeps its own copy of the weights once the session exists.
 */
export interface ModelWorkerLoad {
  readonly kind: 'load';
  readonly model: Uint8Array;
}

export interface ModelWorkerRun {
  readonly kind: 'run';
  readonly id: number;
  readonly inputName: string;
  readonly input: Float32Array;
  readonly dims: readonly number[];
}

export interface TensorMessage {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export type ModelWorkerMessage =
  | { readonly kind: 'ready'; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly kind: 'load-failed'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Readonly<Record<string, TensorMessage>> }
  | { readonly kind: 'run-failed'; readonly id: number; readonly message: string };

const port = parentPort;
if (port) {
  const { threads, nice } = workerData as ModelWorkerData;
  lowerThreadPriority(nice);
  let ready: Promise<InferenceSession> = Promise.reject(new Error('no model was sent'));
  ready.catch(() => undefined);
  port.on('message', (request: ModelWorkerLoad | ModelWorkerRun) => {
    if (request.kind === 'load') {
      ready = InferenceSession.create(request.model, modelSessionOptions(threads));
      ready.then(
        (session) =>
          port.postMessage({
            kind: 'ready',
            inputNames: session.inputNames,
            outputNames: session.outputNames,
          } satisfies ModelWorkerMessage),
        (error: unknown) => port.postMessage({ kind: 'load-failed', message: messageOf(error) } satisfies ModelWorkerMessage),
      );
      return;
    }
    ready
      .then((session) => session.run({ [request.inputName]: new Tensor('float32', request.input, [...request.dims]) }))
      .then(
        (results) => {
          // Outputs are small (a few hundred values per image): copied, not transferred.
          const outputs: Record<string, TensorMessage> = {};
          for (const [name, value] of Object.entries(results))
            outputs[name] = { type: value.type, dims: value.dims, data: value.data as Float32Array };
          port.postMessage({ kind: 'result', id: request.id, outputs } satisfies ModelWorkerMessage);
        },
        (error: unknown) =>
          port.postMessage({ kind: 'run-failed', id: request.id, message: messageOf(error) } satisfies ModelWorkerMessage),
      );
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
