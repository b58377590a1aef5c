import path from 'node:path';
import v8 from 'node:v8';
import { startWorker, WORKER_YOUNG_GENERATION_MB } from '../../src/common/worker-thread';

const MB = 1024 * 1024;

async function youngGenerationOfWorker(): Promise<number> {
  const worker = startWorker(path.join(__dirname, '..', 'support'), 'young-generation.worker');
  try {
    const { newSpaceBytes } = await new Promise<{ newSpaceBytes: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return newSpaceBytes;
  } finally {
    await worker.terminate();
  }
}

describe('startWorker', () => {
  it("gives a worker its own young generation even when the process flag sizes the main thread's", async () => {
    // As the engine starts (ENGINE_NODE_FLAGS): without clearing, V8 would give the worker 2 x 8 MB semi-spaces.
    v8.setFlagsFromString('--max-semi-space-size=8');
    const newSpace = await youngGenerationOfWorker();
    // Two semi-spaces, each a third of the young generation (V8 rounds them to whole pages).
    expect(newSpace).toBeGreaterThan(0);
    expect(newSpace).toBeLessThanOrEqual(WORKER_YOUNG_GENERATION_MB * MB);
    expect(newSpace).toBeLessThan(16 * MB);
  }, 30_000);
});
