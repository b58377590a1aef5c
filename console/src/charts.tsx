import { bucketLabel, layoutBars, niceTicks } from './logic/chart-scale';

export interface BarDatum {
  readonly label: string;
  readonly value: number;
  /** Read out by screen readers and shown as a tooltip, e.g. "hand: 50% of 4 reviewed". */
  readonly description: string;
  /** Printed above the bar. */
  readonly valueLabel?: string;
}

interface BarChartProps {
  readonly title: string;
  readonly data: readonly BarDatum[];
  readonly axisMax?: number;
  readonly formatTick?: (value: number) => string;
  readonly testId?: string;
  /** Whole-number axis (counts). */
  readonly integer?: boolean;
}

const WIDTH = 560;
const HEIGHT = 240;
const MARGIN = { top: 20, right: 12, bottom: 40, left: 48 };

/** A vertical bar chart as inline SVG; every bar has a text alternative and the data is listed in a table below. */
export function BarChart({ title, data, axisMax, formatTick = String, testId, integer = false }: BarChartProps) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const ticks = niceTicks(axisMax ?? Math.max(0, ...data.map((datum) => datum.value)), 4, integer);
  const top = ticks[ticks.length - 1] ?? 1;
  const bars = layoutBars(
    data.map((datum) => datum.value),
    plotWidth,
    plotHeight,
    top,
  );
  const everyNth = Math.max(1, Math.ceil(data.length / 12));
  return (
    <figure class="chart" data-testid={testId}>
      {data.length > 0 && (
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="img"
          aria-label={`${title}: ${data.map((datum) => datum.description).join('; ') || 'no data'}`}
        >
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            {ticks.map((tick) => {
              const y = plotHeight - (tick / top) * plotHeight;
              return (
                <g key={tick} class="tick">
                  <line x1={0} x2={plotWidth} y1={y} y2={y} />
                  <text x={-8} y={y} dy="0.32em" text-anchor="end">
                    {formatTick(tick)}
                  </text>
                </g>
              );
            })}
            {bars.map((bar, index) => {
              const datum = data[index] as BarDatum;
              return (
                <g key={datum.label} class="bar" data-label={datum.label} data-value={datum.value}>
                  <title>{datum.description}</title>
                  <rect x={bar.x} y={bar.y} width={bar.width} height={Math.max(bar.height, datum.value > 0 ? 1 : 0)} rx={2} />
                  {datum.valueLabel && (
                    <text x={bar.x + bar.width / 2} y={bar.y - 5} text-anchor="middle" class="value">
                      {datum.valueLabel}
                    </text>
                  )}
                  {index % everyNth === 0 && (
                    <text x={bar.x + bar.width / 2} y={plotHeight + 18} text-anchor="middle" class="axis-label">
                      {datum.label}
                    </text>
                  )}
                </g>
              );
            })}
            <line class="axis" x1={0} x2={plotWidth} y1={plotHeight} y2={plotHeight} />
          </g>
        </svg>
      )}
      {data.length === 0 && <p class="muted">No data yet.</p>}
      <figcaption>{title}</figcaption>
      {data.length > 0 && (
        <details>
          <summary>Data table</summary>
          <table>
            <tbody>
              {data.map((datum) => (
                <tr key={datum.label}>
                  <th scope="row">{datum.label}</th>
                  <td>{datum.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}

export { bucketLabel };
