import { collectNow, LARGE_TASK_PIXELS } from '../../src/imaging/large-buffer-collector';
import { pixelsOf } from '../../src/imaging/pixel-task';

describe('the pixel worker frees a large image at once', () => {
  it('returns dead buffers to the system when asked, without waiting for V8 to decide', () => {
    let image: Uint8Array | undefined = new Uint8Array(64 * 1024 * 1024).fill(1);
    const held = process.memoryUsage().arrayBuffers;
    image = undefined;
    collectNow();
    expect(image).toBeUndefined();
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
