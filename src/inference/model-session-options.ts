import type { InferenceSession } from 'onnxruntime-node';

/**
 * How the model worker's onnxruntime session runs. onnxruntime's pool threads spin after each run,
 * waiting for the next one: with 2 intra-op threads one 256 px image cost ~55 ms of CPU for ~10 ms
 * of work, CPU that receiving images needed on a 2-core server (issue 21). Without spinning: ~15 ms
 * of CPU and ~14 ms wall per image (bench/README.md).
 */
export function modelSessionOptions(threads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Flattened by onnxruntime-node into the config keys session.intra_op.allow_spinning etc.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
