import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, postJson, type Session } from '../api';
import { countLabel, formatPercent } from '../logic/format';
import { reportCommand } from '../logic/keys';
import type { ReportDetail } from '../logic/types';
import { navigate } from '../router';
import { useKeydown } from '../useKeydown';
import { AmendForm } from './AmendForm';
import { FractureBadge, UrgencyBadge } from './Badges';
import { ReportImage } from './ReportImage';
import { StudyViewer } from './StudyViewer';
import { loadWorklist } from './Worklist';

/** The report after `id` in the current worklist (or before it), to keep the doctor moving. */
async function neighbour(session: Session, id: string, direction: 1 | -1): Promise<string | undefined> {
  const items = await loadWorklist(session);
  const index = items.findIndex((item) => item.id === id);
  if (index === -1) return items[0]?.id;
  return items[index + direction]?.id;
}

export function ReportView({ session, id }: { session: Session; id: string }) {
  const [report, setReport] = useState<ReportDetail>();
  const [error, setError] = useState<string>();
  const [showHeatmap, setShowHeatmap] = useState(false);
  const [showViewer, setShowViewer] = useState(false);
  const [amending, setAmending] = useState(false);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    setReport(undefined);
    setAmending(false);
    setError(undefined);
    getJson<ReportDetail>(session, `/api/reports/${id}`)
      .then((loaded) => {
        setReport(loaded);
        heading.current?.focus();
      })
      .catch((caught: Error) => setError(caught.message));
  }, [id]);

  const open = report?.status === 'preliminary';

  const goOn = async (): Promise<void> => {
    const next = await neighbour(session, id, 1);
    navigate(next ? `/reports/${next}` : '/worklist');
  };

  // A ref, not the busy state, guards against a second sign: two key presses can land before a re-render.
  const signing = useRef(false);
  const sign = async (action: () => Promise<unknown>): Promise<void> => {
    if (signing.current) return;
    signing.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await goOn();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      signing.current = false;
      setBusy(false);
    }
  };
  const agree = (): Promise<void> => sign(() => postJson(session, `/api/reports/${id}/confirm`));
  const amend = (body: Record<string, unknown>): Promise<void> => sign(() => postJson(session, `/api/reports/${id}/amend`, body));

  useKeydown((event) => {
    const command = reportCommand(event);
    if (!command || amending) return;
    event.preventDefault();
    switch (command) {
      case 'agree':
        if (open && !busy) void agree();
        break;
      case 'next':
      case 'previous':
        void neighbour(session, id, command === 'next' ? 1 : -1).then((other) => other && navigate(`/reports/${other}`));
        break;
      case 'toggle-heatmap':
        setShowHeatmap((shown) => !shown);
        break;
      case 'back':
        navigate('/worklist');
        break;
    }
  });

  return (
    <main id="main" class="report">
      <p>
        <a
          href="/worklist"
          onClick={(event) => {
            event.preventDefault();
            navigate('/worklist');
          }}
        >
          ← Back to the worklist
        </a>
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!report && !error && <p>Loading report…</p>}
      {report && (
        <>
          <h1 tabIndex={-1} ref={heading}>
            Report <span class="muted">· patient {report.patientId ?? 'unknown'}</span>
          </h1>
          <section class="summary" aria-label="AI findings">
            <UrgencyBadge urgency={report.urgency} />{' '}
            {report.findings ? <FractureBadge fracture={report.findings.fracture} /> : <span class="badge">Not analysed by AI</span>}
            <dl>
              {report.findings && (
                <>
                  <dt>Fracture probability</dt>
                  <dd data-testid="probability">{formatPercent(report.findings.probability)}</dd>
                  <dt>Count</dt>
                  <dd>{countLabel(report.findings.countClass)}</dd>
                  <dt>Body part</dt>
                  <dd>{report.findings.bodyPart}</dd>
                </>
              )}
              <dt>Status</dt>
              <dd data-testid="report-status">{report.status}</dd>
              <dt>Model</dt>
              <dd>{report.modelVersion}</dd>
            </dl>
          </section>
          {open && !amending && (
            <div class="buttons actions-bar">
              <button type="button" class="primary" disabled={busy || !report.findings} onClick={() => void agree()}>
                Agree and sign <kbd>a</kbd>
              </button>
              <button type="button" disabled={busy} onClick={() => setAmending(true)}>
                Amend…
              </button>
              <button type="button" aria-pressed={showHeatmap} onClick={() => setShowHeatmap(!showHeatmap)}>
                Heat map {showHeatmap ? 'on' : 'off'} <kbd>h</kbd>
              </button>
              <button type="button" aria-pressed={showViewer} onClick={() => setShowViewer(!showViewer)}>
                Diagnostic viewer {showViewer ? 'on' : 'off'}
              </button>
            </div>
          )}
          {!open && (
            <div class="buttons actions-bar">
              <p class="signed">
                Signed {report.status}
                {report.review ? ` by ${report.review.by.username}${report.review.agreed ? ' (agreed with the AI)' : ' (amended)'}` : ''}.
              </p>
              <button type="button" aria-pressed={showHeatmap} onClick={() => setShowHeatmap(!showHeatmap)}>
                Heat map {showHeatmap ? 'on' : 'off'}
              </button>
              <button type="button" aria-pressed={showViewer} onClick={() => setShowViewer(!showViewer)}>
                Diagnostic viewer {showViewer ? 'on' : 'off'}
              </button>
            </div>
          )}
          {(report.notAnalysed ?? []).length > 0 && (
            <section class="not-analysed" aria-label="Images not analysed by AI">
              <h2>Not analysed by AI: read these without AI</h2>
              <ul>
                {(report.notAnalysed ?? []).map((image) => (
                  <li key={image.instanceId} data-testid="not-analysed-reason">
                    Image {image.sopInstanceUid}: {image.reason}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {amending && (
            <AmendForm
              findings={report.findings ?? { fracture: false, probability: 0, countClass: '0', bodyPart: 'hand' }}
              onSubmit={amend}
              onCancel={() => setAmending(false)}
            />
          )}
          {showViewer ? (
            <StudyViewer studyInstanceUid={report.studyInstanceUid} />
          ) : (
            <section class="images" aria-label="Images">
              {report.images.map((image, index) => (
                <ReportImage key={image.instanceId} session={session} image={image} index={index} showHeatmap={showHeatmap} />
              ))}
            </section>
          )}
        </>
      )}
    </main>
  );
}
