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
 * It sizes the main thread's heap only: each worker thread gets a smaller one (common/worker-thread.ts).
 *
 * --heap-growing-percent=100: after each full collection V8 lets the old generation grow to twice its
 * live size before the next, instead of choosing the factor from how fast it collects against how fast
 * the program allocates JavaScript objects. The engine allocates few of those (an instance's bytes are
 * buffers outside the heap), so V8 judged collections cheap and, once its memory reducer had shrunk the
 * heap during a quiet spell, kept the limit ~10 % above a ~45 MB live heap: a burst after an idle
 * minute then ran a full collection every 150-300 ms, on the main thread and V8's helper threads.
 * Measured (bench/README.md, issue 21): an engine idle 30 s, then 600 small studies, ran 64-93 full
 * collections against 6 without the idle time, at 1.5-1.8x the CPU per instance; with this flag 14,
 * and in two paired runs after an idle spell 9.13 -> 7.73 and 10.75 -> 5.07 ms of CPU per instance.
 * The peak resident memory under load was not higher in the earlier session's runs (405-431 MB
 * against 366-434).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=100'];

/**
 * glibc malloc settings the engine is started with, in the same places as ENGINE_NODE_FLAGS (glibc
 * reads them only at process start, so the engine cannot set them itself; other C libraries ignore
 * them).
 *
 * The engine is one process of many threads (the event loop, the embedded database, the model, the
 * pixel decoder, libuv's and onnxruntime's pools) that allocate and free buffers of 0.1-10 MB all the
 * time. By default glibc gives every thread an arena of its own (up to 8 per core) and raises its
 * mmap threshold each time a large block is freed, up to 32 MB, so those buffers end up inside the
 * arenas, which keep what they once held. Measured with the model reading 3 × 300 studies
 * (heaptrack; smaps): arenas held ~200 MB after analysis, 76-84 MB with these settings; resident
 * memory after each round 399-498 MB against 355-396 MB, peak 443-506 against 415-439
 * (bench/README.md, issue 21). A threshold of 1 MB instead left 100-140 MB in the main arena.
 */
export const ENGINE_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
};
