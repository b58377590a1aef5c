/** Patient and General Study attributes every result object copies from its original. */
const PATIENT_STUDY_ATTRIBUTES = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'OtherPatientIDsSequence',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'IssuerOfAccessionNumberSequence',
  'ReferringPhysicianName',
  'StudyDescription',
] as const;

/** Type 2 attributes: present (empty when the original had none). */
const REQUIRED_EMPTY = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'ReferringPhysicianName',
];

/**
 * The same patient and study as the original, so the PACS files the object beside it. Text
 * is written as UTF-8 (dcmjs decoded the original's character set when it read it).
 */
export function compositeContextOf(original: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const context: Record<string, unknown> = { SpecificCharacterSet: 'ISO_IR 192' };
  for (const keyword of REQUIRED_EMPTY) context[keyword] = '';
  for (const keyword of PATIENT_STUDY_ATTRIBUTES) {
    const value = original[keyword];
    if (value !== undefined && value !== null) context[keyword] = value;
  }
  if (typeof context.StudyInstanceUID !== 'string' || context.StudyInstanceUID === '')
    throw new Error('the original has no Study Instance UID');
  return context;
}

export function requireString(original: Readonly<Record<string, unknown>>, keyword: string): string {
  const value = original[keyword];
  if (typeof value !== 'string' || value === '') throw new Error(`the original has no ${keyword}`);
  return value;
}
