import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { bucketLabel } from './logic/chart-scale';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface BarDatum {
  readonly label: string;
  readonly value: number;
  /** Read out by screen readers, shown as the tooltip and in the data table, e.g. "hand: 50% of 4 reviewed". */
  readonly description: string;
}

interface BarChartProps {
  readonly title: string;
  readonly data: readonly BarDatum[];
  readonly axisMax?: number;
  /** Axis tick labels; distinct values must give distinct labels (see formatAxisDuration). */
  readonly formatTick?: (value: number) => string;
  readonly testId?: string;
  /** Whole-number axis (counts). */
  readonly integer?: boolean;
}

const BAR_COLOUR = '#0b57c2';
const TEXT_COLOUR = '#14181f';
const GRID_COLOUR = '#c9ced8';

/** A vertical bar chart drawn by Chart.js on a canvas, with a text alternative and the data in a table below. */
export function BarChart({ title, data, axisMax, formatTick = String, testId, integer = false }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | undefined>(undefined);

  useEffect(() => {
    if (!canvas.current || data.length === 0) return undefined;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: data.map((datum) => datum.label),
        datasets: [{ data: data.map((datum) => datum.value), backgroundColor: BAR_COLOUR, maxBarThickness: 48, minBarLength: 1 }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => data[item.dataIndex]?.description ?? '' } },
        },
        scales: {
          x: { ticks: { color: TEXT_COLOUR, autoSkip: true, maxRotation: 0 }, grid: { display: false } },
          y: {
            beginAtZero: true,
            ...(axisMax !== undefined ? { max: axisMax } : {}),
            ticks: { color: TEXT_COLOUR, precision: integer ? 0 : undefined, callback: (value) => formatTick(Number(value)) },
            grid: { color: GRID_COLOUR },
          },
        },
      },
    });
    canvas.current.dataset.rendered = 'true';
    return () => {
      chart.current?.destroy();
      chart.current = undefined;
    };
  }, [JSON.stringify(data), axisMax, integer]);

  return (
    <figure class="chart" data-testid={testId}>
      {data.length > 0 && (
        <div class="chart-canvas">
          <canvas ref={canvas} role="img" aria-label={`${title}: ${data.map((datum) => datum.description).join('; ')}`} />
        </div>
      )}
      {data.length === 0 && <p class="muted">No data yet.</p>}
      <figcaption>{title}</figcaption>
      {data.length > 0 && (
        <details>
          <summary>Data table</summary>
          <table>
            <tbody>
              {data.map((datum) => (
                <tr key={datum.label} class="datum" data-label={datum.label} data-value={datum.value}>
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
