import { useEffect, useState } from 'preact/hooks';
import { getJson, type Session } from '../api';
import { formatDateTime } from '../logic/format';
import type { DeliveryState, ReportDetail } from '../logic/types';

/** Per channel of one report: what was sent, what came back, when, and how many attempts. */
export function MessageBrowser({ session, reportId, onClose }: { session: Session; reportId: string; onClose: () => void }) {
  const [report, setReport] = useState<ReportDetail>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setReport(undefined);
    getJson<ReportDetail>(session, `/api/reports/${reportId}`)
      .then(setReport)
      .catch((caught: Error) => setError(caught.message));
  }, [reportId]);

  const channels = Object.entries(report?.deliveries ?? {}).filter((entry): entry is [string, DeliveryState] => entry[1] !== undefined);
  return (
    <section class="message-browser" aria-labelledby="messages-title" data-testid="message-browser">
      <h2 id="messages-title" tabIndex={-1}>
        Messages of report {reportId.slice(-8)}
      </h2>
      <button type="button" onClick={onClose}>
        Close messages
      </button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {report && channels.length === 0 && <p>Nothing was sent for this report yet.</p>}
      {channels.map(([channel, state]) => (
        <article key={channel} class="channel-messages" data-channel={channel}>
          <h3>
            {channel.toUpperCase()}: <span class={`state state-${state.status}`}>{state.status}</span>
          </h3>
          <p>
            Version {state.contentVersion}, {state.attempts} attempt{state.attempts === 1 ? '' : 's'}
            {state.lastAttemptAt ? `, last ${formatDateTime(state.lastAttemptAt)}` : ''}
            {state.deliveredAt ? `, delivered ${formatDateTime(state.deliveredAt)}` : ''}.
          </p>
          {state.error && <p class="error-text">Last error: {state.error}</p>}
          {(state.log ?? []).length > 0 && (
            <table class="compact">
              <caption class="visually-hidden">Attempts over {channel}</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Version</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Answer or error</th>
                </tr>
              </thead>
              <tbody>
                {(state.log ?? []).map((entry) => (
                  <tr key={entry.at}>
                    <td>{formatDateTime(entry.at)}</td>
                    <td>{entry.contentVersion}</td>
                    <td>{entry.status}</td>
                    <td>
                      <pre class="answer" data-testid="answer">
                        {entry.answer ?? entry.error ?? '—'}
                      </pre>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <details open={state.message !== undefined}>
            <summary>{state.message ? `Message sent (${state.message.contentType})` : 'References'}</summary>
            {state.message ? (
              <pre class="message" data-testid="sent-message">
                {state.message.text}
              </pre>
            ) : (
              <p class="muted">This channel does not record its message; these are the references the receiver returned.</p>
            )}
            {!state.message && <pre class="message">{JSON.stringify(state.references ?? {}, null, 2)}</pre>}
          </details>
        </article>
      ))}
    </section>
  );
}
