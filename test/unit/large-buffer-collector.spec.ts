import { collectNow, LARGE_TASK_PIXELS } from '../../src/imaging/large-buffer-collector';
import { pixelsOf } from '../../src/imaging/pixel-task';

describe('the pixel worker frees a large image at once', () => {
  it('returns dead buffers to the system when asked, without waiting for V8 to decide', async () => {
    const held = holdAndDrop(64 * 1024 * 1024);
    collectNow();
    // V8 releases the memory of collected buffers on a background thread just after the collection:
    // allow it a moment, far less than an idle process waits before V8 collects by itself.
    const deadline = Date.now() + 1000;
    while (process.memoryUsage().arrayBuffers >= held - 60 * 1024 * 1024 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(held - 60 * 1024 * 1024);
    // gc() stays out of this thread's own globals.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });

  it('counts a task large from about 2000 x 2000 pixels', () => {
    const frame = (rows: number, columns: number) =>
      ({ kind: 'dicom', size: 256, frame: { attributes: { rows, columns } } }) as unknown as Parameters<typeof pixelsOf>[0];
    expect(pixelsOf(frame(2000, 2000))).toBeGreaterThanOrEqual(LARGE_TASK_PIXELS);
    expect(pixelsOf(frame(512, 410))).toBeLessThan(LARGE_TASK_PIXELS);
  });
});

/** Allocates and touches a buffer, returns the buffer memory held with it, and lets it go. */
function holdAndDrop(bytes: number): number {
  const image = new Uint8Array(bytes).fill(1);
  const held = process.memoryUsage().arrayBuffers;
  // The buffer is counted while it is held.
  expect(held).toBeGreaterThanOrEqual(image.byteLength);
  return held;
}
