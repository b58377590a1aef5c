import { heatmapPeak, PEAK_METHODS } from '../../src/inference/heatmap-peak';
import { renderHeatmap } from '../../src/inference/heatmap.renderer';
import { pythonPeaks, requirePython } from '../support/fracture-model';

const GRID = { height: 8, width: 8 };

/** A map of zeros with the given cells set. */
function mapWith(cells: Record<string, number>, grid = GRID): Float32Array {
  const map = new Float32Array(grid.height * grid.width);
  for (const [key, value] of Object.entries(cells)) {
    const [row, column] = key.split(',').map(Number) as [number, number];
    map[row * grid.width + column] = value;
  }
  return map;
}

/** Deterministic pseudo-random maps (a smooth bump plus noise), so failures reproduce. */
function randomMaps(count: number, grid: { height: number; width: number }): Float32Array[] {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const cy = random() * grid.height;
    const cx = random() * grid.width;
    const spread = 0.5 + random() * 2;
    const map = new Float32Array(grid.height * grid.width);
    for (let row = 0; row < grid.height; row += 1) {
      for (let column = 0; column < grid.width; column += 1) {
        const d2 = (row + 0.5 - cy) ** 2 + (column + 0.5 - cx) ** 2;
        map[row * grid.width + column] = 0.9 * Math.exp(-d2 / (2 * spread ** 2)) + 0.05 * random();
      }
    }
    return map;
  });
}

describe('heat-map peak: the "where" point', () => {
  it('is the centre of the hottest cell with the cell-centre method (the first maximum on ties)', () => {
    expect(heatmapPeak(mapWith({ '2,5': 0.9, '6,1': 0.9 }), GRID, 'cell-centre')).toEqual({ row: 2.5, column: 5.5 });
  });

  it('moves towards the hotter neighbour with the quadratic fit, and stays on the centre when neighbours are equal', () => {
    const symmetric = heatmapPeak(mapWith({ '3,3': 0.9, '3,2': 0.4, '3,4': 0.4, '2,3': 0.4, '4,3': 0.4 }), GRID, 'quadratic-fit');
    expect(symmetric).toEqual({ row: 3.5, column: 3.5 });
    const leaning = heatmapPeak(mapWith({ '3,3': 0.9, '3,4': 0.8, '3,2': 0.1, '4,3': 0.6 }), GRID, 'quadratic-fit');
    expect(leaning.column).toBeGreaterThan(3.5);
    expect(leaning.column).toBeLessThanOrEqual(4);
    expect(leaning.row).toBeGreaterThan(3.5);
  });

  it('never leaves the hottest cell, and does not fit across the border', () => {
    // A cell on the edge has one neighbour on that axis: no parabola, the centre stays.
    expect(heatmapPeak(mapWith({ '0,0': 0.9, '0,1': 0.85, '1,0': 0.2 }), GRID, 'quadratic-fit')).toEqual({ row: 0.5, column: 0.5 });
    expect(heatmapPeak(mapWith({ '0,3': 0.9, '0,4': 0.85, '0,2': 0.1 }), GRID, 'quadratic-fit').column).toBeGreaterThan(3.5);
    for (const method of PEAK_METHODS) {
      for (const map of randomMaps(30, GRID)) {
        const point = heatmapPeak(map, GRID, method);
        const best = map.indexOf(Math.max(...map));
        expect(Math.abs(point.row - (Math.floor(best / GRID.width) + 0.5))).toBeLessThanOrEqual(0.5);
        expect(Math.abs(point.column - ((best % GRID.width) + 0.5))).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it('reports the refined peak as a fraction of the original image, through the letterbox', async () => {
    // A 100 x 50 (h x w) image is padded 25 px left and right into a 100 px square: cell 4 of 8
    // spans square x 50..62.5, i.e. image x 25..37.5; its centre is image x 31.25 = 0.625 of 50.
    const map = mapWith({ '4,4': 0.9 });
    const centre = await renderHeatmap(map, GRID, { height: 100, width: 50 }, 'cell-centre');
    expect(centre.peak.x).toBeCloseTo(0.625, 10);
    expect(centre.peak.y).toBeCloseTo(0.5625, 10);
    const refined = await renderHeatmap(mapWith({ '4,4': 0.9, '4,5': 0.8, '4,3': 0.1 }), GRID, { height: 100, width: 50 }, 'quadratic-fit');
    expect(refined.peak.x).toBeGreaterThan(0.625);
  });

  it('finds the same point as the trainer (training/peaks.py) for every method', async () => {
    await requirePython(['numpy']);
    const grid = { height: 16, width: 16 };
    const maps = randomMaps(40, grid);
    for (const method of PEAK_METHODS) {
      const python = await pythonPeaks(maps, grid, method);
      maps.forEach((map, k) => {
        const node = heatmapPeak(map, grid, method);
        expect(node.row).toBeCloseTo(python[k]![0], 5);
        expect(node.column).toBeCloseTo(python[k]![1], 5);
      });
    }
  });
});
