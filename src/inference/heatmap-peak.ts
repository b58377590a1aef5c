/**
 * How a heat map becomes one point ("where"), in cell units: cell k spans k..k+1, centre k + 0.5.
 * Mirrors training/peaks.py, where the method is chosen on training images and named in the card.
 */
export const PEAK_METHODS = ['cell-centre', 'quadratic-fit', 'quadratic-fit-2d'] as const;
export type PeakMethod = (typeof PEAK_METHODS)[number];

export interface GridPoint {
  readonly row: number;
  readonly column: number;
}

interface Grid {
  readonly height: number;
  readonly width: number;
}

export function heatmapPeak(cells: ArrayLike<number>, grid: Grid, method: PeakMethod): GridPoint {
  let best = 0;
  for (let k = 1; k < grid.height * grid.width; k += 1) if (cells[k]! > cells[best]!) best = k;
  const i = Math.floor(best / grid.width);
  const j = best % grid.width;
  const at = (row: number, column: number): number => cells[row * grid.width + column]!;
  const axisFit = (): GridPoint => ({ row: i + 0.5 + parabola(at, grid, i, j, 1, 0), column: j + 0.5 + parabola(at, grid, i, j, 0, 1) });
  switch (method) {
    case 'cell-centre':
      return { row: i + 0.5, column: j + 0.5 };
    case 'quadratic-fit':
      return axisFit();
    case 'quadratic-fit-2d':
      return quadric(at, grid, i, j) ?? axisFit();
  }
}

/** Sub-cell offset of the vertex of the parabola through the peak and its two neighbours on one axis. */
function parabola(at: (row: number, column: number) => number, grid: Grid, i: number, j: number, di: number, dj: number): number {
  if (i - di < 0 || i + di >= grid.height || j - dj < 0 || j + dj >= grid.width) return 0;
  const before = at(i - di, j - dj);
  const after = at(i + di, j + dj);
  const curvature = before - 2 * at(i, j) + after;
  if (curvature >= 0) return 0;
  return clampHalf((0.5 * (before - after)) / curvature);
}

/** Vertex of the quadric through the 3x3 neighbourhood; undefined at the border or without a maximum. */
function quadric(at: (row: number, column: number) => number, grid: Grid, i: number, j: number): GridPoint | undefined {
  if (i === 0 || j === 0 || i === grid.height - 1 || j === grid.width - 1) return undefined;
  const dx = (at(i, j + 1) - at(i, j - 1)) / 2;
  const dy = (at(i + 1, j) - at(i - 1, j)) / 2;
  const dxx = at(i, j + 1) - 2 * at(i, j) + at(i, j - 1);
  const dyy = at(i + 1, j) - 2 * at(i, j) + at(i - 1, j);
  const dxy = (at(i + 1, j + 1) - at(i + 1, j - 1) - at(i - 1, j + 1) + at(i - 1, j - 1)) / 4;
  const det = dxx * dyy - dxy * dxy;
  if (det <= 0 || dxx >= 0) return undefined;
  return { row: i + 0.5 + clampHalf(-(dxx * dy - dxy * dx) / det), column: j + 0.5 + clampHalf(-(dyy * dx - dxy * dy) / det) };
}

function clampHalf(offset: number): number {
  return Math.min(0.5, Math.max(-0.5, offset));
}
