import type { PendingAction } from '../useUndoWindow';

/** The sign-off that is about to be sent, with the way back. */
export function UndoBanner({ pending, onUndo }: { pending: PendingAction; onUndo: () => void }) {
  return (
    <div class="undo-banner" role="status" data-testid="undo-banner">
      <span>
        {pending.label}: sending in {pending.secondsLeft} s.
      </span>{' '}
      <button type="button" class="primary" onClick={onUndo}>
        Undo <kbd>u</kbd>
      </button>
    </div>
  );
}
