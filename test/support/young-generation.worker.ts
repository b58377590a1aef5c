import v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';

// Allocates short-lived objects until the young generation has grown as far as it may, then reports its size.
let kept: unknown[] = [];
for (let index = 0; index < 2_000_000; index += 1) {
  kept.push({ index, pair: [index, index + 1] });
  if (kept.length > 50_000) kept = [];
}
const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
parentPort?.postMessage({ newSpaceBytes: young?.space_size ?? Number.NaN });
