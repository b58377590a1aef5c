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
  patientName: string;
  birthDate: string;
  sex: '' | 'F' | 'M' | 'O';
}

export function patientProblems(fields: PatientFields, fileCount: number): string[] {
  const problems: string[] = [];
  if (!fields.patientId.trim()) problems.push('Enter the patient id.');
  if (fields.patientId.length > 64) problems.push('The patient id is longer than 64 characters.');
  if (fields.birthDate && !/^\d{4}-\d{2}-\d{2}$/.test(fields.birthDate)) problems.push('The birth date must look like 1980-02-03.');
  if (fileCount === 0) problems.push('Add at least one image.');
  return problems;
}
