import { useState } from 'preact/hooks';
import { getJson, type Session } from '../api';
import { channelStateLabel, summariseDeliveries, CHANNELS, type ChannelSummary } from '../logic/deliveries';
import { ageSeconds, formatDuration } from '../logic/format';
import type { ChannelState, Job, ModelVersion, WorklistItem } from '../logic/types';
import { usePolling } from '../usePolling';
import { DeadLetters } from './DeadLetters';
import { MessageBrowser } from './MessageBrowser';

const RECENT_REPORTS = 25;
const STATE_CLASS: Record<ChannelState['state'], string | undefined> = { off: 'muted', healthy: undefined, retrying: 'warn', down: 'bad' };

interface OperationsData {
  reports: WorklistItem[];
  summary: ChannelSummary[];
  dead: Job[];
  models: ModelVersion[];
  channels: ChannelState[];
}

async function loadOperations(session: Session): Promise<OperationsData> {
  // One request for the recent reports with their delivery states (not one per report).
  const [page, dead, models, channels] = await Promise.all([
    getJson<{ items: WorklistItem[] }>(session, `/api/reports?limit=${RECENT_REPORTS}&order=newest&include=deliveries`),
    getJson<{ items: Job[] }>(session, '/api/jobs?status=dead&limit=100'),
    getJson<{ items: ModelVersion[] }>(session, '/api/models'),
    getJson<{ items: ChannelState[] }>(session, '/api/deliveries/channels'),
  ]);
  const names = channels.items.length > 0 ? channels.items.map((row) => row.channel) : [...CHANNELS];
  return {
    reports: page.items,
    summary: summariseDeliveries(page.items, names),
    dead: dead.items,
    models: models.items,
    channels: channels.items,
  };
}

export function Operations({ session }: { session: Session }) {
  const { data, error, setError, refresh } = usePolling(() => loadOperations(session), 15_000);
  const [message, setMessage] = useState<string>();
  const [browsing, setBrowsing] = useState<string>();

  const active = data?.models.filter((model) => model.status === 'active') ?? [];
  const others = data?.models.filter((model) => model.status !== 'active') ?? [];

  return (
    <main id="main">
      <h1>Operations</h1>
      <div aria-live="polite" class="status-line">
        {message}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!data && !error && <p>Loading…</p>}
      {data && (
        <>
          <section aria-labelledby="receivers-title">
            <h2 id="receivers-title">Receivers</h2>
            <table data-testid="channel-states">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">State</th>
                  <th scope="col">Failing for</th>
                  <th scope="col">Waiting</th>
                  <th scope="col">Dead</th>
                </tr>
              </thead>
              <tbody>
                {data.channels.map((row) => (
                  <tr key={row.channel} data-channel={row.channel} data-state={row.state}>
                    <th scope="row">{row.channel.toUpperCase()}</th>
                    <td class={STATE_CLASS[row.state]}>{channelStateLabel(row.state)}</td>
                    <td>{row.since ? formatDuration(ageSeconds(row.since)) : '—'}</td>
                    <td>{row.waiting}</td>
                    <td class={row.dead ? 'bad' : undefined}>{row.dead}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">Deliveries</h2>
            <p class="muted">The {data.reports.length} most recent reports, per channel.</p>
            <table data-testid="delivery-summary">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Pending</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Dead</th>
                  <th scope="col">Not yet sent</th>
                </tr>
              </thead>
              <tbody>
                {data.summary.map((row) =>
                  data.channels.find((state) => state.channel === row.channel)?.state === 'off' ? (
                    <tr key={row.channel} data-channel={row.channel} data-off="true">
                      <th scope="row">{row.channel.toUpperCase()}</th>
                      <td colSpan={5} class="muted">
                        Not configured: nothing is sent over this channel.
                      </td>
                    </tr>
                  ) : (
                    <tr key={row.channel} data-channel={row.channel}>
                      <th scope="row">{row.channel.toUpperCase()}</th>
                      <td>{row.counts.delivered}</td>
                      <td>{row.counts.pending}</td>
                      <td class={row.counts.failed ? 'warn' : undefined}>{row.counts.failed}</td>
                      <td class={row.counts.dead ? 'bad' : undefined}>{row.counts.dead}</td>
                      <td class="muted">{row.none}</td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
            <details open={browsing !== undefined}>
              <summary>Per report, with the messages sent</summary>
              <table class="compact" data-testid="per-report">
                <thead>
                  <tr>
                    <th scope="col">Report</th>
                    <th scope="col">Status</th>
                    {data.summary.map(({ channel }) => (
                      <th key={channel} scope="col">
                        {channel.toUpperCase()}
                      </th>
                    ))}
                    <th scope="col">
                      <span class="visually-hidden">Messages</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.reports.map((report) => (
                    <tr key={report.id} data-report-id={report.id}>
                      <th scope="row">{report.id.slice(-8)}</th>
                      <td>{report.status}</td>
                      {data.summary.map(({ channel }) => {
                        const state = report.deliveries?.[channel];
                        return (
                          <td key={channel} title={state?.error}>
                            {state ? <span class={`state state-${state.status}`}>{state.status}</span> : <span class="muted">—</span>}
                          </td>
                        );
                      })}
                      <td>
                        <button type="button" class="small" onClick={() => setBrowsing(report.id)}>
                          Messages<span class="visually-hidden"> of report {report.id.slice(-8)}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
            {browsing && <MessageBrowser session={session} reportId={browsing} onClose={() => setBrowsing(undefined)} />}
          </section>
          <section aria-labelledby="dead-title">
            <h2 id="dead-title">Dead letters</h2>
            <DeadLetters
              session={session}
              dead={data.dead}
              onError={setError}
              onReplayed={async (text) => {
                setMessage(text);
                await refresh();
              }}
            />
          </section>
          <section aria-labelledby="models-title">
            <h2 id="models-title">Models</h2>
            <p data-testid="active-model">
              Active model: <strong>{active.map((model) => model.version).join(', ') || 'none'}</strong>
            </p>
            {others.length > 0 && (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Status</th>
                    <th scope="col">Source</th>
                    <th scope="col">Labels</th>
                    <th scope="col">Gate</th>
                  </tr>
                </thead>
                <tbody>
                  {others.map((model) => (
                    <tr key={model.version}>
                      <th scope="row">{model.version}</th>
                      <td>{model.status}</td>
                      <td>{model.source}</td>
                      <td>{model.trainedOnLabels}</td>
                      <td>{model.gate ? (model.gate.passed ? 'passed' : `failed: ${model.gate.reasons.join('; ')}`) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {others.length === 0 && <p class="muted">No candidate or earlier models.</p>}
          </section>
        </>
      )}
    </main>
  );
}
