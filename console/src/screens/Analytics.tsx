import { useState } from 'preact/hooks';
import { getJson, type Session } from '../api';
import { BarChart, bucketLabel } from '../charts';
import { formatAxisDuration, formatDuration, formatPercent } from '../logic/format';
import { usePolling } from '../usePolling';

interface AnalyticsData {
  overTime: Array<{ bucket: string; count: number }>;
  open: Array<{ doctor: string; open: number; oldestAgeSeconds: number }>;
  turnaround: {
    reports: number;
    signed: number;
    medianReceivedToPreliminarySeconds?: number | null;
    medianPreliminaryToFinalSeconds?: number | null;
    medianReceivedToFinalSeconds?: number | null;
  };
  agreement: Array<{ bodyPart: string; reviewed: number; agreed: number; rate: number }>;
}

async function loadAnalytics(session: Session, bucket: 'hour' | 'day'): Promise<AnalyticsData> {
  const [overTime, open, turnaround, agreement] = await Promise.all([
    getJson<{ items: AnalyticsData['overTime'] }>(session, `/api/analytics/reports-over-time?bucket=${bucket}`),
    getJson<{ items: AnalyticsData['open'] }>(session, '/api/analytics/open-reports'),
    getJson<AnalyticsData['turnaround']>(session, '/api/analytics/turnaround'),
    getJson<{ items: AnalyticsData['agreement'] }>(session, '/api/analytics/agreement'),
  ]);
  return { overTime: overTime.items, open: open.items, turnaround, agreement: agreement.items };
}

export function Analytics({ session }: { session: Session }) {
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour');
  const { data, error } = usePolling(() => loadAnalytics(session, bucket), 30_000, [bucket]);

  const turnaround = data?.turnaround;
  return (
    <main id="main">
      <h1>Analytics</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!data && !error && <p>Loading…</p>}
      {data && turnaround && (
        <div class="charts">
          <section aria-labelledby="volume-title">
            <h2 id="volume-title">Reports per {bucket}</h2>
            <div class="segmented" role="group" aria-label="Bucket size">
              {(['hour', 'day'] as const).map((option) => (
                <button key={option} type="button" aria-pressed={bucket === option} onClick={() => setBucket(option)}>
                  per {option}
                </button>
              ))}
            </div>
            <BarChart
              testId="chart-volume"
              integer
              title={`Reports created per ${bucket} (UTC)`}
              data={data.overTime.map((row) => ({
                label: bucketLabel(row.bucket, bucket),
                value: row.count,
                description: `${bucketLabel(row.bucket, bucket)}: ${row.count} reports`,
              }))}
            />
          </section>
          <section aria-labelledby="open-title">
            <h2 id="open-title">Open reports per doctor</h2>
            <BarChart
              testId="chart-open"
              integer
              title="Preliminary reports waiting, per assigned doctor (oldest waiting in the table)"
              data={data.open.map((row) => ({
                label: row.doctor,
                value: row.open,
                description: `${row.doctor}: ${row.open} open, oldest ${formatDuration(row.oldestAgeSeconds)}`,
              }))}
            />
          </section>
          <section aria-labelledby="turnaround-title">
            <h2 id="turnaround-title">Turnaround</h2>
            <p class="muted">
              Median over {turnaround.reports} reports, {turnaround.signed} signed.
            </p>
            <BarChart
              testId="chart-turnaround"
              title="Median time to preliminary and to final"
              formatTick={formatAxisDuration}
              data={[
                ['to preliminary', turnaround.medianReceivedToPreliminarySeconds],
                ['preliminary → final', turnaround.medianPreliminaryToFinalSeconds],
                ['to final', turnaround.medianReceivedToFinalSeconds],
              ].map(([label, seconds]) => ({
                label: label as string,
                value: typeof seconds === 'number' ? seconds : 0,
                description: `${label as string}: ${formatDuration(seconds as number | undefined)}`,
              }))}
            />
          </section>
          <section aria-labelledby="agreement-title">
            <h2 id="agreement-title">AI–doctor agreement by body part</h2>
            <BarChart
              testId="chart-agreement"
              title="Share of signed reports where the doctor agreed with the AI on fracture"
              axisMax={1}
              formatTick={formatPercent}
              data={data.agreement.map((row) => ({
                label: row.bodyPart ?? 'unknown',
                value: row.rate,
                description: `${row.bodyPart ?? 'unknown'}: ${formatPercent(row.rate)} agreed, ${row.agreed} of ${row.reviewed} reviewed`,
              }))}
            />
          </section>
        </div>
      )}
    </main>
  );
}
