const ACCEPTED = /\.(dcm|dicom|jpe?g|png)$/i;
const ACCEPTED_TYPES = new Set(['application/dicom', 'image/jpeg', 'image/png']);

/** DICOM, JPEG and PNG files are sent; anything else is named back to the user. */
export function splitAcceptedFiles<T extends { name: string; type: string }>(files: readonly T[]): { accepted: T[]; rejected: T[] } {
  const accepted: T[] = [];
  const rejected: T[] = [];
  for (const file of files) (ACCEPTED_TYPES.has(file.type) || ACCEPTED.test(file.name) ? accepted : rejected).push(file);
  return { accepted, rejected };
}

export interface PatientFields {
  patientId: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: '' | 'F' | 'M' | 'O';
  accessionNumber: string;
  studyDate: string;
}

export const NO_PATIENT: PatientFields = {
  patientId: '',
  familyName: '',
  givenName: '',
  birthDate: '',
  sex: '',
  accessionNumber: '',
  studyDate: '',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The DICOM person name (`Family^Given`) from the two fields; `^` typed by someone is not a separator. */
export function dicomPersonName(familyName: string, givenName: string): string | undefined {
  const clean = (part: string): string =>
    part
      .replace(/[\^\\=]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const family = clean(familyName);
  const given = clean(givenName);
  if (!family && !given) return undefined;
  return given ? `${family}^${given}` : family;
}

export function patientProblems(fields: PatientFields, fileCount: number): string[] {
  const problems: string[] = [];
  if (!fields.patientId.trim()) problems.push('Enter the patient id.');
  if (fields.patientId.length > 64) problems.push('The patient id is longer than 64 characters.');
  if ((dicomPersonName(fields.familyName, fields.givenName) ?? '').length > 64) problems.push('The name is longer than 64 characters.');
  if (fields.birthDate && !DAY.test(fields.birthDate)) problems.push('The birth date must look like 1980-02-03.');
  if (fields.studyDate && !DAY.test(fields.studyDate)) problems.push('The study date must look like 2026-03-14.');
  if (fields.accessionNumber.trim().length > 16) problems.push('The accession number is longer than 16 characters.');
  if (fileCount === 0) problems.push('Add at least one image.');
  return problems;
}

/** The multipart fields for POST /api/records: only those filled in. */
export function recordFormFields(fields: PatientFields, bodyPart: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [['patientId', fields.patientId.trim()]];
  const name = dicomPersonName(fields.familyName, fields.givenName);
  if (name) entries.push(['patientName', name]);
  if (fields.birthDate) entries.push(['birthDate', fields.birthDate]);
  if (fields.sex) entries.push(['sex', fields.sex]);
  if (fields.accessionNumber.trim()) entries.push(['accessionNumber', fields.accessionNumber.trim()]);
  if (fields.studyDate) entries.push(['studyDate', fields.studyDate]);
  if (bodyPart) entries.push(['bodyPart', bodyPart]);
  return entries;
}
