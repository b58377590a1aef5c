/** A "nice" axis maximum and evenly spaced ticks (1, 2, 2.5 or 5 times a power of ten). */
export function niceTicks(maxValue: number, targetCount = 4, integer = false): number[] {
  if (!Number.isFinite(maxValue) || maxValue <= 0) return [0, 1];
  const rough = maxValue / targetCount;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  // Counts get whole-number steps (no "1.5 reports"); 2.5 × 10^n is not whole below 10.
  const step = integer ? Math.max(1, nice === 2.5 * power && power < 10 ? 2 * power : nice) : nice;
  const ticks: number[] = [];
  for (let value = 0; value < maxValue + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

export interface BarLayout {
  readonly x: number;
  readonly width: number;
  readonly y: number;
  readonly height: number;
}

/** Vertical bars across `plotWidth`, scaled so `axisMax` reaches `plotHeight`. */
export function layoutBars(values: readonly number[], plotWidth: number, plotHeight: number, axisMax: number): BarLayout[] {
  if (values.length === 0) return [];
  const slot = plotWidth / values.length;
  const width = Math.max(2, Math.min(48, slot * 0.7));
  return values.map((value, index) => {
    const height = axisMax > 0 ? (Math.max(0, value) / axisMax) * plotHeight : 0;
    return { x: index * slot + (slot - width) / 2, width, y: plotHeight - height, height };
  });
}

/** Short bucket labels: "14:00" for hours, "25 Nov" for days (UTC, as the API buckets). */
export function bucketLabel(bucket: string, kind: 'hour' | 'day'): string {
  const date = new Date(bucket);
  if (Number.isNaN(date.getTime())) return bucket;
  if (kind === 'hour') return `${String(date.getUTCHours()).padStart(2, '0')}:00`;
  return `${date.getUTCDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()]}`;
}
