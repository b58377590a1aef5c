import { useState } from 'preact/hooks';
import { getJson, postFormWithProgress, type Session } from '../api';
import { NO_PATIENT, patientProblems, recordFormFields, splitAcceptedFiles, type PatientFields } from '../logic/upload';

interface RecordResult {
  studyInstanceUids: string[];
  instances: Array<{ originalName: string; studyInstanceUid: string; outcome: string }>;
}

interface Uploaded {
  patientId: string;
  studyInstanceUid: string;
  stored: number;
  instancesSeen?: number;
}

export function Upload({ session }: { session: Session }) {
  const [fields, setFields] = useState<PatientFields>(NO_PATIENT);
  const [bodyPart, setBodyPart] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [tried, setTried] = useState(false);
  const [uploads, setUploads] = useState<Uploaded[]>([]);
  const [progress, setProgress] = useState<number>();
  const problems = patientProblems(fields, files.length);

  const addFiles = (list: FileList | null | undefined): void => {
    const { accepted, rejected: refused } = splitAcceptedFiles([...(list ?? [])]);
    setFiles((current) => [...current, ...accepted]);
    setRejected(refused.map((file) => file.name));
  };

  const refreshStudy = async (upload: Uploaded): Promise<void> => {
    const study = await getJson<{ instances: unknown[] }>(session, `/api/studies/${upload.studyInstanceUid}`).catch(() => undefined);
    setUploads((current) =>
      current.map((item) =>
        item.studyInstanceUid === upload.studyInstanceUid ? { ...item, instancesSeen: study?.instances.length ?? 0 } : item,
      ),
    );
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setTried(true);
    if (problems.length > 0) return;
    const form = new FormData();
    for (const [name, value] of recordFormFields(fields, bodyPart)) form.append(name, value);
    for (const file of files) form.append('images', file, file.name);
    // Each attempt starts clean: no error from an earlier one stays on screen.
    setBusy(true);
    setError(undefined);
    setRejected([]);
    setProgress(0);
    try {
      const result = await postFormWithProgress<RecordResult>(session, '/api/records', form, setProgress);
      const added = result.studyInstanceUids.map((studyInstanceUid) => ({
        patientId: fields.patientId.trim(),
        studyInstanceUid,
        stored: result.instances.filter((instance) => instance.studyInstanceUid === studyInstanceUid).length,
      }));
      setUploads((current) => [...added, ...current]);
      added.forEach((upload) => void refreshStudy(upload));
      setFields(NO_PATIENT);
      setBodyPart('');
      setFiles([]);
      setTried(false);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
      setProgress(undefined);
    }
  };

  const set = (key: keyof PatientFields) => (event: Event) =>
    setFields({ ...fields, [key]: (event.currentTarget as HTMLInputElement).value });

  return (
    <main id="main">
      <h1>New record</h1>
      <form class="upload" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset>
          <legend>Patient</legend>
          <div class="grid">
            <div>
              <label for="patient-id">Patient id (required)</label>
              <input id="patient-id" required autoComplete="off" value={fields.patientId} onInput={set('patientId')} />
            </div>
            <div>
              <label for="family-name">Family name</label>
              <input id="family-name" autoComplete="off" value={fields.familyName} onInput={set('familyName')} />
            </div>
            <div>
              <label for="given-name">Given name</label>
              <input id="given-name" autoComplete="off" value={fields.givenName} onInput={set('givenName')} />
            </div>
            <div>
              <label for="birth-date">Birth date</label>
              <input id="birth-date" type="date" value={fields.birthDate} onInput={set('birthDate')} />
            </div>
            <div>
              <label for="sex">Sex</label>
              <select id="sex" value={fields.sex} onChange={set('sex')}>
                <option value="">not given</option>
                <option value="F">female</option>
                <option value="M">male</option>
                <option value="O">other</option>
              </select>
            </div>
          </div>
        </fieldset>
        <fieldset>
          <legend>Study</legend>
          <div class="grid">
            <div>
              <label for="accession">Accession number</label>
              <input id="accession" autoComplete="off" maxLength={16} value={fields.accessionNumber} onInput={set('accessionNumber')} />
            </div>
            <div>
              <label for="study-date">Study date</label>
              <input id="study-date" type="date" value={fields.studyDate} onInput={set('studyDate')} />
            </div>
            <div>
              <label for="body-part">Body part</label>
              <select id="body-part" value={bodyPart} onChange={(event) => setBodyPart(event.currentTarget.value)}>
                <option value="">let the model decide</option>
                <option value="HAND">hand</option>
                <option value="LEG">leg</option>
                <option value="HIP">hip</option>
                <option value="SHOULDER">shoulder</option>
              </select>
            </div>
          </div>
        </fieldset>
        <fieldset>
          <legend>Images</legend>
          <div
            class={`dropzone${dragging ? ' dragging' : ''}`}
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(event) => {
              event.preventDefault();
              setDragging(false);
              addFiles(event.dataTransfer?.files);
            }}
          >
            <p>Drop DICOM, JPEG or PNG files here, or</p>
            <label for="images" class="button">
              Choose files
            </label>
            <input
              id="images"
              class="visually-hidden"
              type="file"
              multiple
              accept=".dcm,.dicom,application/dicom,image/jpeg,image/png"
              onChange={(event) => {
                addFiles(event.currentTarget.files);
                event.currentTarget.value = '';
              }}
            />
          </div>
          {files.length > 0 && (
            <ul class="files" aria-label="Images to send">
              {files.map((file, index) => (
                <li key={`${file.name}-${index}`}>
                  {file.name} <span class="muted">({Math.round(file.size / 1024)} KiB)</span>{' '}
                  <button type="button" class="link" onClick={() => setFiles(files.filter((_, other) => other !== index))}>
                    Remove<span class="visually-hidden"> {file.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {rejected.length > 0 && (
            <p class="error" role="alert">
              Not an image Osteon reads: {rejected.join(', ')}
            </p>
          )}
        </fieldset>
        {tried &&
          problems.map((problem) => (
            <p key={problem} class="error" role="alert">
              {problem}
            </p>
          ))}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {progress !== undefined && (
          <p class="upload-progress">
            <label for="upload-progress">Sending: {Math.round(progress * 100)}%</label>{' '}
            <progress id="upload-progress" data-testid="upload-progress" max={1} value={progress} />
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Sending…' : `Create record${files.length ? ` with ${files.length} image${files.length > 1 ? 's' : ''}` : ''}`}
        </button>
      </form>
      <section aria-labelledby="recent-title" aria-live="polite">
        <h2 id="recent-title">Sent in this session</h2>
        {uploads.length === 0 && <p class="muted">Nothing yet.</p>}
        <ul class="uploads">
          {uploads.map((upload) => (
            <li key={upload.studyInstanceUid} data-testid="uploaded-record">
              <strong>{upload.patientId}</strong>: {upload.stored} image{upload.stored === 1 ? '' : 's'} stored
              {upload.instancesSeen !== undefined ? `, ${upload.instancesSeen} in the study` : ''}; analysis queued, the report goes to the
              doctors' worklist.{' '}
              <button type="button" class="link" onClick={() => void refreshStudy(upload)}>
                Check again
              </button>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
