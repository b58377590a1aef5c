import { describe, expect, it } from 'vitest';
import { bucketLabel } from '../src/logic/chart-scale';
import { formatAxisDuration } from '../src/logic/format';
import { colouriseHeatmap, heatColour } from '../src/logic/heatmap-colours';

describe('chart labels', () => {
  it('labels a seconds axis with tenths, so neighbouring ticks never read the same', () => {
    const ticks = [0, 0.5, 1, 1.5, 2, 2.5].map(formatAxisDuration);
    expect(ticks).toEqual(['0 s', '0.5 s', '1 s', '1.5 s', '2 s', '2.5 s']);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(formatAxisDuration(90)).toBe('1 min');
  });

  it('labels hour and day buckets from the API in UTC', () => {
    expect(bucketLabel('2026-11-25T09:00Z', 'hour')).toBe('09:00');
    expect(bucketLabel('2026-11-25', 'day')).toBe('25 Nov');
    expect(bucketLabel('not a date', 'day')).toBe('not a date');
  });
});

describe('heat-map overlay colours', () => {
  it('runs from blue for low attention to red for the highest', () => {
    expect(heatColour(0)).toEqual([0, 64, 255]);
    expect(heatColour(1)).toEqual([230, 20, 20]);
    const [red, , blue] = heatColour(0.8);
    expect(red).toBeGreaterThan(blue);
  });

  it('leaves cool pixels transparent and makes the hottest one the most opaque', () => {
    const grey = (value: number): number[] => [value, value, value, 255];
    const pixels = new Uint8ClampedArray([...grey(10), ...grey(100), ...grey(200)]);
    colouriseHeatmap(pixels);
    expect(pixels[3]).toBe(0);
    expect(pixels[7]).toBeGreaterThan(0);
    expect(pixels[11]).toBeGreaterThan(pixels[7] as number);
    expect([pixels[8], pixels[9], pixels[10]]).toEqual([230, 20, 20]);
  });
});
