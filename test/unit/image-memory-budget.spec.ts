import { ImageMemoryBudget, pixelsOf } from '../../src/imaging/image-memory-budget';

/** Work that runs until the test lets it finish, recording when it started. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the image memory budget (pixels the reading jobs hold decoded at once)', () => {
  const budget = (): ImageMemoryBudget => new ImageMemoryBudget({ jobs: { readMegapixels: 12 } } as never);

  it('runs small images side by side and large ones one after the other, first come first served', async () => {
    const images = budget();
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const run = (name: string, megapixels: number): Promise<void> => {
      const each = gate();
      gates.set(name, each);
      return images.run(megapixels * 1_000_000, async () => {
        started.push(name);
        await each.promise;
      });
    };
    const all = [run('large-1', 10), run('small-1', 0.3), run('large-2', 10), run('small-2', 0.3)];
    await settle();
    // The second large one waits, and the small one behind it waits its turn.
    expect(started).toEqual(['large-1', 'small-1']);
    gates.get('large-1')?.open();
    await settle();
    expect(started).toEqual(['large-1', 'small-1', 'large-2', 'small-2']);
    for (const each of gates.values()) each.open();
    await Promise.all(all);
  });

  it('lets an image larger than the whole budget run alone, and frees the budget when work fails', async () => {
    const images = budget();
    await expect(images.run(50_000_000, async () => Promise.reject(new Error('decode failed')))).rejects.toThrow('decode failed');
    const order: string[] = [];
    const huge = gate();
    const first = images.run(50_000_000, async () => {
      order.push('huge');
      await huge.promise;
    });
    const second = images.run(1_000_000, async () => void order.push('small'));
    await settle();
    expect(order).toEqual(['huge']);
    huge.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['huge', 'small']);
  });

  it('counts an image by its Rows and Columns, and one without them as a large radiograph', () => {
    expect(pixelsOf({ rows: 2000, columns: 1500 })).toBe(3_000_000);
    expect(pixelsOf({ rows: undefined, columns: 1500 })).toBe(10_000_000);
  });
});
