import { useRef, useState } from 'preact/hooks';
import { getJson, postJson, type Session } from '../api';
import { ageSeconds, formatDuration, formatPercent, sortWorklist } from '../logic/format';
import { moveSelection, worklistCommand } from '../logic/keys';
import type { WorklistItem } from '../logic/types';
import { isoDay, NO_FILTERS, personName, VIEWS, worklistPath, type WorklistFilters, type WorklistView } from '../logic/worklist-view';
import { navigate } from '../router';
import { useKeydown } from '../useKeydown';
import { usePolling } from '../usePolling';
import { FractureBadge, UrgencyBadge } from './Badges';
import { WorklistFilterBar } from './WorklistFilterBar';

const REFRESH_MS = 10_000;

// Kept in memory only (search text names patients): the same list when the doctor comes back from a report.
let current: { view: WorklistView; filters: WorklistFilters } = { view: 'to-read', filters: NO_FILTERS };

const EMPTY: Record<WorklistView, string> = {
  'to-read': 'No preliminary reports waiting. Well done.',
  mine: 'You have taken no report that is waiting.',
  signed: 'No signed reports.',
  all: 'No reports.',
};

/** The current view's rows: reading order for the open views, newest first for the others. */
export async function loadWorklist(session: Session): Promise<WorklistItem[]> {
  const { view, filters } = current;
  const page = await getJson<{ items: WorklistItem[] }>(session, worklistPath(view, filters));
  return view === 'to-read' || view === 'mine' ? sortWorklist(page.items) : page.items;
}

export function Worklist({ session }: { session: Session }) {
  const [state, setState] = useState(current);
  const { data: items, error, setError, refresh } = usePolling(() => loadWorklist(session), REFRESH_MS, [state]);
  const [selected, setSelected] = useState(0);
  const [message, setMessage] = useState<string>();
  const rows = useRef<Array<HTMLTableRowElement | null>>([]);
  const search = useRef<HTMLInputElement>(null);

  const change = (next: typeof current): void => {
    current = next;
    setState(next);
    setSelected(0);
  };

  const takeOrRelease = async (item: WorklistItem): Promise<void> => {
    const mine = item.assignedTo === session.username;
    try {
      await postJson(session, `/api/reports/${item.id}/${mine ? 'release' : 'assign'}`);
      setMessage(mine ? 'Report released to the worklist.' : 'Report taken: it is in your list.');
      await refresh();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  useKeydown((event) => {
    const command = worklistCommand(event);
    if (!command) return;
    if (command === 'search') {
      event.preventDefault();
      search.current?.focus();
      return;
    }
    if (command.startsWith('view-')) {
      const entry = VIEWS.find((candidate) => `view-${candidate.key}` === command);
      if (entry) change({ ...current, view: entry.view });
      return;
    }
    if (!items || items.length === 0) return;
    const item = items[Math.min(selected, items.length - 1)];
    if (command === 'next' || command === 'previous') {
      event.preventDefault();
      const next = moveSelection(selected, items.length, command);
      setSelected(next);
      rows.current[next]?.focus();
    } else if (command === 'open' && item) {
      event.preventDefault();
      navigate(`/reports/${item.id}`);
    } else if (command === 'take' && item) {
      event.preventDefault();
      void takeOrRelease(item);
    }
  });

  const label = VIEWS.find((entry) => entry.view === state.view)?.label ?? '';
  return (
    <main id="main" class="wide">
      <h1>Worklist</h1>
      <p class="muted hint">
        Keys: <kbd>1</kbd>–<kbd>4</kbd> views, <kbd>/</kbd> search, <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>Enter</kbd> open,{' '}
        <kbd>t</kbd> take or release. Sign in the report, with a moment to undo.
      </p>
      <WorklistFilterBar
        view={state.view}
        filters={state.filters}
        searchRef={search}
        onView={(view) => change({ ...current, view })}
        onFilters={(filters) => change({ ...current, filters })}
      />
      <div aria-live="polite" class="status-line">
        {message}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!items && <p>Loading…</p>}
      {items && items.length === 0 && <p data-testid="worklist-empty">{EMPTY[state.view]}</p>}
      {items && items.length > 0 && (
        <div class="table-scroll">
          <table class="worklist" data-view={state.view}>
            <caption class="visually-hidden">Worklist: {label}</caption>
            <thead>
              <tr>
                <th scope="col">Urgency</th>
                <th scope="col">Patient</th>
                <th scope="col">Study</th>
                <th scope="col">Body part</th>
                <th scope="col">AI draft (not verified)</th>
                <th scope="col">Images</th>
                <th scope="col">{state.view === 'signed' ? 'Signed by' : 'Waiting'}</th>
                <th scope="col">Status</th>
                <th scope="col">Taken by</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, index) => {
                const mine = item.assignedTo === session.username;
                return (
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
                      <strong data-testid="patient-name">{personName(item.patientName)}</strong>
                      <span class="sub">
                        born <span data-testid="birth-date">{isoDay(item.birthDate)}</span> · id {item.patientId ?? '—'}
                      </span>
                    </td>
                    <td>
                      {isoDay(item.studyDate)}
                      <span class="sub">acc. {item.accessionNumber ?? '—'}</span>
                    </td>
                    <td>{item.findings?.bodyPart ?? '—'}</td>
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
                    <td>{item.imageCount}</td>
                    <td>{state.view === 'signed' ? (item.signedBy ?? '—') : formatDuration(ageSeconds(item.createdAt))}</td>
                    <td data-testid="row-status">{item.status}</td>
                    <td data-testid="row-assigned">{item.assignedToName ?? '—'}</td>
                    <td class="actions">
                      <a
                        href={`/reports/${item.id}`}
                        onClick={(event) => {
                          event.preventDefault();
                          navigate(`/reports/${item.id}`);
                        }}
                      >
                        Open<span class="visually-hidden"> report {index + 1}</span>
                      </a>{' '}
                      {item.status !== 'entered-in-error' && (
                        <button type="button" class="small" onClick={() => void takeOrRelease(item)}>
                          {mine ? 'Release' : 'Take'}
                          <span class="visually-hidden"> report {index + 1}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
