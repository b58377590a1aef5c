import { useState } from 'preact/hooks';

/** Withdrawing a report is said out loud: a reason is required and travels with the withdrawal. */
export function WithdrawForm({ onSubmit, onCancel }: { onSubmit: (reason: string) => Promise<void>; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const trimmed = reason.trim();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!trimmed) return;
    setBusy(true);
    try {
      await onSubmit(trimmed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="amend" onSubmit={(event) => void submit(event)} aria-labelledby="withdraw-title">
      <h2 id="withdraw-title">Withdraw this report</h2>
      <p>The receivers are told the report was entered in error. This cannot be undone.</p>
      <label for="withdraw-reason">Reason (required)</label>
      <textarea id="withdraw-reason" rows={3} maxLength={500} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
      <div class="buttons">
        <button type="submit" class="danger" disabled={busy || !trimmed}>
          Withdraw report
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
