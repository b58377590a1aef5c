import { describe, expect, it } from 'vitest';
import { bucketLabel, layoutBars, niceTicks } from '../src/logic/chart-scale';
import { colouriseHeatmap, heatColour } from '../src/logic/heatmap-colours';

describe('chart scales', () => {
  it('picks round axis steps that cover the largest value', () => {
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(130)).toEqual([0, 50, 100, 150]);
  });

  it('uses whole-number steps for counts', () => {
    expect(niceTicks(2, 4, true)).toEqual([0, 1, 2]);
    expect(niceTicks(9, 4, true)).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('scales bars to the axis maximum and keeps them inside their slots', () => {
    const bars = layoutBars([0, 5, 10], 300, 100, 10);
    expect(bars.map((bar) => bar.height)).toEqual([0, 50, 100]);
    expect(bars[2]?.y).toBe(0);
    for (const [index, bar] of bars.entries()) {
      expect(bar.x).toBeGreaterThanOrEqual(index * 100);
      expect(bar.x + bar.width).toBeLessThanOrEqual((index + 1) * 100);
    }
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
