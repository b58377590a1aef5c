/**
 * Node flags the engine runs with, wherever it is started (package.json's start scripts, the
 * Dockerfile, the tests and benchmarks; test/unit/engine-launch.spec.ts keeps them in step).
 *
 * --max-semi-space-size=8: V8 lets the young generation grow to 16 MB semi-spaces by default, and
 * a received instance's buffers (socket reads, the assembled PDU, the staged head: ~0.7 MB per small
 * radiograph, outside the JavaScript heap) are freed only when the young generation is collected.
 * Measured over 2,500 small instances on one association: resident memory while receiving 375 MB
 * with the default, 332-339 MB at 8 MB; after the burst 395-439 MB against 352-377 MB; throughput
 * unchanged within this machine's noise (bench/README.md, issue 21). 4 MB saved little more.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
