import { useState } from 'preact/hooks';
import { postJson, type Session } from '../api';
import { jobChannel } from '../logic/deliveries';
import { ageSeconds, formatDuration } from '../logic/format';
import type { Job } from '../logic/types';

interface ReplayAnswer {
  replayed: Job[];
  refused: Array<{ id: string; reason: string }>;
}

/** Dead letters with replay of one, the selected, or all: one request however many. */
export function DeadLetters({
  session,
  dead,
  onReplayed,
  onError,
}: {
  session: Session;
  dead: Job[];
  onReplayed: (message: string) => Promise<void>;
  onError: (message: string) => void;
}) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const chosen = dead.filter((job) => selected.has(job.id));

  const replay = async (jobs: Job[]): Promise<void> => {
    setBusy(true);
    try {
      const answer = await postJson<ReplayAnswer>(session, '/api/jobs/replay', { ids: jobs.map((job) => job.id) });
      setSelected(new Set());
      const refused = answer.refused.length > 0 ? `; ${answer.refused.length} no longer dead` : '';
      await onReplayed(`${answer.replayed.length} job${answer.replayed.length === 1 ? '' : 's'} queued again${refused}.`);
    } catch (caught) {
      onError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: string): void => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  if (dead.length === 0) return <p>No dead-lettered jobs.</p>;
  return (
    <>
      <div class="buttons">
        <button type="button" disabled={busy || chosen.length === 0} onClick={() => void replay(chosen)}>
          Replay selected ({chosen.length})
        </button>
        <button type="button" disabled={busy} onClick={() => void replay(dead)}>
          Replay all ({dead.length})
        </button>
      </div>
      <table data-testid="dead-letters">
        <thead>
          <tr>
            <th scope="col">
              <span class="visually-hidden">Select</span>
            </th>
            <th scope="col">Job</th>
            <th scope="col">Report</th>
            <th scope="col">Attempts</th>
            <th scope="col">Since</th>
            <th scope="col">Error</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {dead.map((job) => (
            <tr key={job.id} data-job-id={job.id}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${job.type} job ${job.id.slice(-8)}`}
                  checked={selected.has(job.id)}
                  onChange={() => toggle(job.id)}
                />
              </td>
              <th scope="row">{jobChannel(job.type)}</th>
              <td>{job.key.split(':').pop()?.slice(-8)}</td>
              <td>{job.attempts}</td>
              <td>{formatDuration(ageSeconds(job.updatedAt))}</td>
              <td class="error-text">{job.lastError ?? '—'}</td>
              <td>
                <button type="button" disabled={busy} onClick={() => void replay([job])}>
                  Replay<span class="visually-hidden"> {job.type} job</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
