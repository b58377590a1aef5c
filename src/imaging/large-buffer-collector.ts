import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Pixels in one task above which its buffers are collected as soon as it ends (a 2000 x 2000 radiograph). */
export const LARGE_TASK_PIXELS = 4_000_000;

let collect: (() => void) | undefined;

/**
 * A full collection of this thread's heap, for a pixel worker (or, after a large image, the main
 * thread: ImageMemoryBudget) that just dropped a large image's buffers. V8 frees a dead buffer's
 * memory only when it collects the object that owned it, and starts such a collection only after
 * ~64 MB more buffer memory since the last one: a worker decoding 10 MB radiographs held several of
 * them dead at a time, in every thread that touched them (measured: the engine's peak while reading
 * 30 such studies). This worker's heap is a few MB, so the collection
 * costs a few milliseconds against the tens its large task took.
 */
export function collectNow(): void {
  if (!collect) {
    // Exposes gc() only to the new context asked for it, not to this thread's own globals.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
    // The flag is process-wide: left on, every context or worker made later would get a global gc().
    setFlagsFromString('--no-expose-gc');
  }
  collect();
}
