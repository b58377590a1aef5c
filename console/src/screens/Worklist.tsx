import { useRef, useState } from 'preact/hooks';
import { getJson, postJson, type Session } from '../api';
import { ageSeconds, formatDuration, formatPercent, sortWorklist } from '../logic/format';
import { moveSelection, worklistCommand } from '../logic/keys';
import type { WorklistItem } from '../logic/types';
import { navigate } from '../router';
import { useKeydown } from '../useKeydown';
import { usePolling } from '../usePolling';
import { FractureBadge, UrgencyBadge } from './Badges';

const REFRESH_MS = 10_000;

export async function loadWorklist(session: Session): Promise<WorklistItem[]> {
  const page = await getJson<{ items: WorklistItem[] }>(session, '/api/reports?status=preliminary&limit=200');
  return sortWorklist(page.items);
}

export function Worklist({ session }: { session: Session }) {
  const { data: items, error, setError, refresh } = usePolling(() => loadWorklist(session), REFRESH_MS);
  const [selected, setSelected] = useState(0);
  const [message, setMessage] = useState<string>();
  const rows = useRef<Array<HTMLTableRowElement | null>>([]);

  const agree = async (item: WorklistItem): Promise<void> => {
    try {
      await postJson(session, `/api/reports/${item.id}/confirm`);
      setMessage('Report signed as final: you agreed with the AI draft.');
      await refresh();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  useKeydown((event) => {
    if (!items || items.length === 0) return;
    const command = worklistCommand(event);
    if (!command) return;
    const current = items[Math.min(selected, items.length - 1)];
    if (command === 'next' || command === 'previous') {
      event.preventDefault();
      const next = moveSelection(selected, items.length, command);
      setSelected(next);
      rows.current[next]?.focus();
    } else if (command === 'open' && current) {
      event.preventDefault();
      navigate(`/reports/${current.id}`);
    } else if (command === 'agree' && current) {
      event.preventDefault();
      void agree(current);
    }
  });

  return (
    <main id="main">
      <h1>Worklist</h1>
      <p class="muted hint">
        Preliminary reports, most urgent first. Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>Enter</kbd> open, <kbd>a</kbd> agree.
      </p>
      <div aria-live="polite" class="status-line">
        {message}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!items && <p>Loading…</p>}
      {items && items.length === 0 && <p>No preliminary reports waiting. Well done.</p>}
      {items && items.length > 0 && (
        <table class="worklist">
          <caption class="visually-hidden">Preliminary reports</caption>
          <thead>
            <tr>
              <th scope="col">Urgency</th>
              <th scope="col">AI finding</th>
              <th scope="col">Body part</th>
              <th scope="col">Images</th>
              <th scope="col">Waiting</th>
              <th scope="col">Patient id</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item, index) => (
              <tr
                key={item.id}
                ref={(element) => {
                  rows.current[index] = element;
                }}
                tabIndex={index === selected ? 0 : -1}
                aria-selected={index === selected}
                class={index === selected ? 'selected' : undefined}
                data-report-id={item.id}
                onClick={() => setSelected(index)}
                onFocus={() => setSelected(index)}
              >
                <td>
                  <UrgencyBadge urgency={item.urgency} />
                </td>
                <td>
                  {item.findings ? (
                    <>
                      <FractureBadge fracture={item.findings.fracture} />{' '}
                      <span class="muted">{formatPercent(item.findings.probability)}</span>
                    </>
                  ) : (
                    <span class="badge" data-testid="not-analysed">
                      Not analysed by AI
                    </span>
                  )}
                </td>
                <td>{item.findings?.bodyPart ?? '—'}</td>
                <td>{item.imageCount}</td>
                <td>{formatDuration(ageSeconds(item.createdAt))}</td>
                <td>{item.patientId ?? '—'}</td>
                <td class="actions">
                  <a
                    href={`/reports/${item.id}`}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(`/reports/${item.id}`);
                    }}
                  >
                    Open<span class="visually-hidden"> report {index + 1}</span>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
