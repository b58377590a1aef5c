import { countLabel, formatDateTime, formatPercent } from '../logic/format';
import type { ReportDetail } from '../logic/types';
import { FractureBadge, UrgencyBadge } from './Badges';

/** The AI's part, always named for what it is: a draft nobody verified, from a named model. */
export function AiDraft({ report }: { report: ReportDetail }) {
  return (
    <section class="summary ai-draft" aria-labelledby="ai-draft-title">
      <h2 id="ai-draft-title">
        AI draft, not verified <span class="muted">· model {report.modelVersion}</span>
      </h2>
      <UrgencyBadge urgency={report.urgency} />{' '}
      {report.findings ? <FractureBadge fracture={report.findings.fracture} /> : <span class="badge">Not analysed by AI</span>}
      {report.findings && (
        <dl>
          <dt>Fracture probability</dt>
          <dd data-testid="probability">{formatPercent(report.findings.probability)}</dd>
          <dt>Count</dt>
          <dd>{countLabel(report.findings.countClass)}</dd>
          <dt>Body part</dt>
          <dd>{report.findings.bodyPart}</dd>
        </dl>
      )}
    </section>
  );
}

/** The doctor's signed verdict and the history of signatures and withdrawals. */
export function DoctorVerdict({ report }: { report: ReportDetail }) {
  const review = report.review;
  const withdrawal = [...(report.statusHistory ?? [])].reverse().find((change) => change.status === 'entered-in-error');
  return (
    <section class="summary verdict" aria-labelledby="verdict-title">
      <h2 id="verdict-title">Doctor’s report</h2>
      {review && (
        <p class="signed" data-testid="signed-by">
          Signed {report.status === 'amended' ? 'amended' : 'final'} by {review.by.displayName ?? review.by.username}
          {review.agreed ? ' (agreed with the AI draft)' : ' (differs from the AI draft)'}
          {report.finalAt ? `, ${formatDateTime(report.finalAt)}` : ''}.
        </p>
      )}
      {review && (
        <dl>
          <dt>Fracture</dt>
          <dd>{review.verdict.fracture ? `yes, ${countLabel(review.verdict.countClass)}` : 'no'}</dd>
          <dt>Body part</dt>
          <dd>{review.verdict.bodyPart}</dd>
          {review.verdict.conclusion && (
            <>
              <dt>Conclusion</dt>
              <dd data-testid="conclusion">{review.verdict.conclusion}</dd>
            </>
          )}
        </dl>
      )}
      {withdrawal && (
        <p class="error" data-testid="withdrawn">
          Withdrawn{withdrawal.by ? ` by ${withdrawal.by.displayName ?? withdrawal.by.username}` : ''}, {formatDateTime(withdrawal.at)}:{' '}
          {withdrawal.reason}
        </p>
      )}
    </section>
  );
}
