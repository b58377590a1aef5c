import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, postJson, type Session } from '../api';
import { reportCommand } from '../logic/keys';
import type { ReportDetail } from '../logic/types';
import { navigate } from '../router';
import { useKeydown } from '../useKeydown';
import { useUndoWindow } from '../useUndoWindow';
import { AiDraft, DoctorVerdict } from './AiDraft';
import { AmendForm, type AmendMode } from './AmendForm';
import { ReportHeader } from './ReportHeader';
import { ReportImage } from './ReportImage';
import { StudyViewer } from './StudyViewer';
import { UndoBanner } from './UndoBanner';
import { WithdrawForm } from './WithdrawForm';
import { loadWorklist } from './Worklist';

/** How long a signature waits in the browser, with Undo, before it is sent. */
export const SIGN_DELAY_MS = 5_000;

/** The report after `id` in the current worklist (or before it), to keep the doctor moving. */
async function neighbour(session: Session, id: string, direction: 1 | -1): Promise<string | undefined> {
  const items = await loadWorklist(session);
  const index = items.findIndex((item) => item.id === id);
  if (index === -1) return items[0]?.id;
  return items[index + direction]?.id;
}

type Panel = 'none' | AmendMode | 'withdraw';

/** An addendum keeps what was signed and adds to it. */
function addendumStart(conclusion: string | undefined): string {
  return conclusion ? `${conclusion}\n\nAddendum: ` : 'Addendum: ';
}

export function ReportView({ session, id }: { session: Session; id: string }) {
  const [report, setReport] = useState<ReportDetail>();
  const [error, setError] = useState<string>();
  const [showHeatmap, setShowHeatmap] = useState(false);
  const [showViewer, setShowViewer] = useState(false);
  const [panel, setPanel] = useState<Panel>('none');
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const undoWindow = useUndoWindow(SIGN_DELAY_MS);

  const load = async (): Promise<void> => {
    const loaded = await getJson<ReportDetail>(session, `/api/reports/${id}`);
    setReport(loaded);
  };

  useEffect(() => {
    setReport(undefined);
    setPanel('none');
    setError(undefined);
    undoWindow.undo();
    load()
      .then(() => heading.current?.focus())
      .catch((caught: Error) => setError(caught.message));
  }, [id]);

  const open = report?.status === 'preliminary';
  const signed = report?.status === 'final' || report?.status === 'amended';
  const mine = report?.assignedTo === session.username;

  const act = async (action: () => Promise<unknown>, then: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await then();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const goOn = async (): Promise<void> => {
    const next = await neighbour(session, id, 1);
    navigate(next && next !== id ? `/reports/${next}` : '/worklist');
  };
  // Nothing is sent until the undo window has passed.
  const signLater = (label: string, path: string, body: Record<string, unknown>, then: () => Promise<void>): void => {
    setPanel('none');
    undoWindow.start(label, () => act(() => postJson(session, path, body), then));
  };
  const agree = (): void => signLater('Agree with the AI draft and sign as final', `/api/reports/${id}/confirm`, {}, goOn);
  const amend = async (body: Record<string, unknown>): Promise<void> =>
    signLater('Sign the amended report', `/api/reports/${id}/amend`, body, goOn);
  const addendum = async (body: Record<string, unknown>): Promise<void> =>
    signLater('Sign the addendum', `/api/reports/${id}/amend`, body, load);
  const withdraw = (reason: string): Promise<void> =>
    act(
      () => postJson(session, `/api/reports/${id}/withdraw`, { reason }),
      async () => {
        setPanel('none');
        await load();
      },
    );
  const takeOrRelease = (): Promise<void> => act(() => postJson(session, `/api/reports/${id}/${mine ? 'release' : 'assign'}`), load);

  useKeydown((event) => {
    const command = reportCommand(event);
    if (!command) return;
    if (undoWindow.pending) {
      if (command === 'undo' || command === 'back') {
        event.preventDefault();
        undoWindow.undo();
      }
      return;
    }
    if (panel !== 'none') return;
    event.preventDefault();
    switch (command) {
      case 'agree':
        if (open && !busy && report?.findings) agree();
        break;
      case 'take':
        if (report && !busy) void takeOrRelease();
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
      case 'undo':
        break;
    }
  });

  const idle = !busy && !undoWindow.pending && panel === 'none';
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
            Report
          </h1>
          <ReportHeader report={report} />
          {undoWindow.pending && <UndoBanner pending={undoWindow.pending} onUndo={undoWindow.undo} />}
          <div class="buttons actions-bar">
            {open && (
              <>
                <button type="button" class="primary" disabled={!idle || !report.findings} onClick={agree}>
                  Agree and sign <kbd>a</kbd>
                </button>
                <button type="button" disabled={!idle} onClick={() => setPanel('amend')}>
                  Amend…
                </button>
              </>
            )}
            {signed && (
              <button type="button" disabled={!idle} onClick={() => setPanel('addendum')}>
                Addendum…
              </button>
            )}
            {report.status !== 'entered-in-error' && (
              <button type="button" disabled={!idle} onClick={() => void takeOrRelease()}>
                {mine ? 'Release' : 'Take'} <kbd>t</kbd>
              </button>
            )}
            {signed && (
              <button type="button" disabled={!idle} onClick={() => setPanel('withdraw')}>
                Withdraw…
              </button>
            )}
            <button type="button" aria-pressed={showHeatmap} onClick={() => setShowHeatmap(!showHeatmap)}>
              Heat map {showHeatmap ? 'on' : 'off'} <kbd>h</kbd>
            </button>
            <button type="button" aria-pressed={showViewer} onClick={() => setShowViewer(!showViewer)}>
              Diagnostic viewer {showViewer ? 'on' : 'off'}
            </button>
          </div>
          {(panel === 'amend' || panel === 'addendum') && (
            <AmendForm
              mode={panel}
              findings={
                panel === 'addendum' && report.review
                  ? { ...report.review.verdict, conclusion: addendumStart(report.review.verdict.conclusion) }
                  : (report.findings ?? { fracture: false, countClass: '0', bodyPart: 'hand' })
              }
              onSubmit={panel === 'amend' ? amend : addendum}
              onCancel={() => setPanel('none')}
            />
          )}
          {panel === 'withdraw' && <WithdrawForm onSubmit={withdraw} onCancel={() => setPanel('none')} />}
          {!open && <DoctorVerdict report={report} />}
          <AiDraft report={report} />
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
