import { formatDateTime } from '../logic/format';
import { isoDay, personName } from '../logic/worklist-view';
import type { ReportDetail } from '../logic/types';

const SEX: Record<string, string> = { F: 'female', M: 'male', O: 'other' };

/** Who the patient is and which study this is: read before the images. */
export function ReportHeader({ report }: { report: ReportDetail }) {
  const patient = report.patient ?? {};
  return (
    <section class="report-header" aria-label="Patient and study">
      <dl>
        <dt>Patient</dt>
        <dd data-testid="patient-name">{personName(patient.name)}</dd>
        <dt>Birth date</dt>
        <dd>{isoDay(patient.birthDate)}</dd>
        <dt>Sex</dt>
        <dd>{patient.sex ? (SEX[patient.sex] ?? patient.sex) : '—'}</dd>
        <dt>Patient id</dt>
        <dd>{patient.patientId ?? '—'}</dd>
        <dt>Accession</dt>
        <dd data-testid="accession">{report.accessionNumber ?? '—'}</dd>
        <dt>Study date</dt>
        <dd>{isoDay(report.studyDate)}</dd>
        <dt>Received</dt>
        <dd>{report.firstReceivedAt ? formatDateTime(report.firstReceivedAt) : '—'}</dd>
        <dt>Images</dt>
        <dd>{report.imageCount}</dd>
        <dt>Taken by</dt>
        <dd data-testid="assigned-to">{report.assignedToName ?? 'nobody'}</dd>
        <dt>Status</dt>
        <dd data-testid="report-status">{report.status}</dd>
      </dl>
    </section>
  );
}
