import { useState } from 'preact/hooks';
import { amendmentBody, amendmentProblems, withCount, withFracture, type AmendmentDraft } from '../logic/amendment';
import { countLabel } from '../logic/format';
import { BODY_PARTS, COUNT_CLASSES, type CountClass, type BodyPart, type StudyFindings } from '../logic/types';

/** `amend`: the doctor's verdict instead of the draft; `addendum`: a signed report corrected or completed (text required). */
export type AmendMode = 'amend' | 'addendum';

export function AmendForm({
  findings,
  mode = 'amend',
  onSubmit,
  onCancel,
}: {
  findings: Pick<StudyFindings, 'fracture' | 'countClass' | 'bodyPart'> & { conclusion?: string };
  mode?: AmendMode;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<AmendmentDraft>({
    fracture: findings.fracture,
    countClass: findings.countClass,
    bodyPart: findings.bodyPart,
    conclusion: findings.conclusion ?? '',
  });
  const [busy, setBusy] = useState(false);
  const problems = amendmentProblems(draft);
  if (mode === 'addendum' && draft.conclusion.trim() === (findings.conclusion ?? '').trim()) {
    problems.push('Write the addendum in the conclusion.');
  }

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (problems.length > 0) return;
    setBusy(true);
    try {
      await onSubmit(amendmentBody(draft));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="amend" onSubmit={(event) => void submit(event)} aria-labelledby="amend-title">
      <h2 id="amend-title">{mode === 'addendum' ? 'Addendum to the signed report' : 'Amend the draft'}</h2>
      <fieldset>
        <legend>Fracture</legend>
        <label>
          <input type="radio" name="fracture" value="yes" checked={draft.fracture} onChange={() => setDraft(withFracture(draft, true))} />{' '}
          Yes
        </label>
        <label>
          <input type="radio" name="fracture" value="no" checked={!draft.fracture} onChange={() => setDraft(withFracture(draft, false))} />{' '}
          No
        </label>
      </fieldset>
      <label for="amend-count">Number of fractures</label>
      <select
        id="amend-count"
        value={draft.countClass}
        onChange={(event) => setDraft(withCount(draft, event.currentTarget.value as CountClass))}
      >
        {COUNT_CLASSES.map((count) => (
          <option key={count} value={count}>
            {countLabel(count)}
          </option>
        ))}
      </select>
      <label for="amend-body-part">Body part</label>
      <select
        id="amend-body-part"
        value={draft.bodyPart}
        onChange={(event) => setDraft({ ...draft, bodyPart: event.currentTarget.value as BodyPart })}
      >
        {BODY_PARTS.map((part) => (
          <option key={part} value={part}>
            {part}
          </option>
        ))}
      </select>
      <label for="amend-conclusion">Conclusion</label>
      <textarea
        id="amend-conclusion"
        rows={4}
        maxLength={4000}
        value={draft.conclusion}
        onInput={(event) => setDraft({ ...draft, conclusion: event.currentTarget.value })}
      />
      {problems.map((problem) => (
        <p key={problem} class="error">
          {problem}
        </p>
      ))}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy || problems.length > 0}>
          {mode === 'addendum' ? 'Sign addendum' : 'Sign amended report'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
