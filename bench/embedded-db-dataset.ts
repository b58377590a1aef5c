import { ObjectId, type Db, type Document } from 'mongodb';
import { migrations } from '../src/database/migrations';

/** How big a year of one emergency department is, roughly (~100 studies a night). */
export interface DatasetSize {
  readonly studies: number;
  readonly instancesPerStudy: number;
  readonly patients: number;
  readonly openReports: number;
  readonly auditEntries: number;
  readonly jobsPerStudy: number;
}

const DAY_MS = 86_400_000;
const START = Date.parse('2025-12-01T00:00:00Z');
const BODY_PARTS = ['hand', 'leg', 'hip', 'shoulder'] as const;

export function patientIdOf(index: number): string {
  return `MRN-${String(index).padStart(7, '0')}`;
}

function uid(prefix: number, study: number, item = 0): string {
  return `1.2.826.0.1.3680043.8.498.${prefix}.${study}.${item}`;
}

function instanceRecord(study: number, item: number, patient: number, at: Date): Document {
  return {
    sopInstanceUid: uid(3, study, item),
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    studyInstanceUid: uid(1, study),
    seriesInstanceUid: uid(2, study),
    patientId: patientIdOf(patient),
    patientName: `PATIENT^${patient}`,
    patientBirthDate: '19700101',
    patientSex: patient % 2 ? 'F' : 'M',
    accessionNumber: `ACC${study}`,
    studyDay: at.toISOString().slice(0, 10),
    studyTime: '231500',
    modality: 'DX',
    bodyPartExamined: 'HAND',
    seriesNumber: 1,
    instanceNumber: item + 1,
    rows: 2048,
    columns: 2560,
    transferSyntaxUid: '1.2.840.10008.1.2.4.70',
    size: 2_400_000,
    sha256: `${String(study).padStart(32, '0')}${String(item).padStart(32, '0')}`,
    blobKey: `aa/bb/${study}-${item}.dcm`,
    datasetOffset: 340,
    pixelDataOffset: 1200,
    receivedAt: at,
    callingAeTitle: 'DX01',
    source: 'dicom',
    version: 1,
    conflict: false,
  };
}

/** Report ids are derived from the study so the labels of the same study can point at them. */
function reportIdOf(study: number): ObjectId {
  return new ObjectId(study.toString(16).padStart(24, '0'));
}

function reviewedAt(at: Date): Date {
  return new Date(at.getTime() + 3_600_000);
}

function report(study: number, patient: number, at: Date, open: boolean, images: number): Document {
  const fracture = study % 5 === 0;
  const bodyPart = BODY_PARTS[study % 4] as string;
  const findings = {
    fracture,
    probability: fracture ? 0.81 : 0.07,
    countClass: fracture ? '1' : '0',
    bodyPart,
    urgency: fracture ? 'soon' : 'routine',
  };
  const doctor = { id: new ObjectId().toHexString(), username: `dr${study % 12}`, role: 'doctor' };
  const reviewed = reviewedAt(at);
  const review = open
    ? undefined
    : {
        by: doctor,
        at: reviewed,
        agreed: true,
        verdict: { fracture, countClass: findings.countClass, bodyPart },
        aiFindings: findings,
        modelVersion: '1.0.1',
        source: 'review-api',
      };
  const delivered = (references: Document): Document => ({
    status: 'delivered',
    contentVersion: open ? 1 : 2,
    attempts: 1,
    lastAttemptAt: reviewed,
    deliveredAt: reviewed,
    references,
  });
  return {
    _id: reportIdOf(study),
    studyInstanceUid: uid(1, study),
    accessionNumber: `ACC${study}`,
    patient: { patientId: patientIdOf(patient), name: `PATIENT^${patient}`, birthDate: '19700101', sex: 'F' },
    status: open ? 'preliminary' : study % 7 === 0 ? 'amended' : 'final',
    urgency: findings.urgency,
    urgencyRank: fracture ? 1 : 2,
    modelVersion: '1.0.1',
    findings,
    images: Array.from({ length: images }, (_, item) => ({
      sopInstanceUid: uid(3, study, item),
      instanceId: new ObjectId().toHexString(),
      heatmapId: new ObjectId().toHexString(),
      findings: { ...findings, fractureProbability: findings.probability, peak: { x: 0.4, y: 0.6 } },
    })),
    firstReceivedAt: at,
    lastReceivedAt: at,
    analysedAt: at,
    preliminaryAt: at,
    finalAt: open ? undefined : reviewed,
    review,
    reviews: review ? [review] : [],
    statusHistory: [
      { status: 'preliminary', at, reason: 'AI draft' },
      ...(open ? [] : [{ status: 'final', at: reviewed, by: doctor, reason: 'confirmed' }]),
    ],
    assignedTo: open ? undefined : doctor,
    deliveries: {
      fhir: delivered({ ids: { report: `dr-${study}` }, versions: { report: 'v2' }, written: ['v1', 'v2'] }),
      hl7: delivered({ messageControlId: `C${study}`, resultStatus: open ? 'P' : 'F' }),
      pacs: delivered({ captureSeriesInstanceUid: uid(4, study), reportSeriesInstanceUid: uid(5, study) }),
      ...(open ? {} : { portal: delivered({ kind: 'final', pdfSha256: 'f'.repeat(64) }) }),
    },
    createdAt: at,
    updatedAt: reviewed,
    revision: open ? 1 : 3,
    contentVersion: open ? 1 : 2,
  };
}

async function insertInBatches(db: Db, collection: string, count: number, make: (index: number) => Document): Promise<void> {
  const batch: Document[] = [];
  for (let index = 0; index < count; index += 1) {
    batch.push(make(index));
    if (batch.length === 2000 || index === count - 1) {
      await db.collection(collection).insertMany(batch.splice(0, batch.length), { ordered: false });
    }
  }
}

/** Fills a fresh database the way a year of use would, through the driver (the engine's indexes first). */
export async function buildDataset(db: Db, size: DatasetSize): Promise<void> {
  for (const migration of migrations) {
    await migration.up(db);
    await db.collection('migrations').insertOne({ version: migration.version, description: migration.description, appliedAt: new Date() });
  }
  const spacing = (365 * DAY_MS) / size.studies;
  const atOf = (study: number): Date => new Date(START + Math.floor(study * spacing));
  const patientOf = (study: number): number => (study * 7919) % size.patients;
  await insertInBatches(db, 'instances', size.studies * size.instancesPerStudy, (index) => {
    const study = Math.floor(index / size.instancesPerStudy);
    return instanceRecord(study, index % size.instancesPerStudy, patientOf(study), atOf(study));
  });
  await insertInBatches(db, 'reports', size.studies, (study) =>
    report(study, patientOf(study), atOf(study), study >= size.studies - size.openReports, size.instancesPerStudy),
  );
  await insertInBatches(db, 'training_labels', (size.studies - size.openReports) * size.instancesPerStudy, (index) => {
    const study = Math.floor(index / size.instancesPerStudy);
    return {
      imageSha256: `${String(study).padStart(32, '0')}${String(index % size.instancesPerStudy).padStart(32, '0')}`,
      reportId: reportIdOf(study).toHexString(),
      studyInstanceUid: uid(1, study),
      modelVersion: '1.0.1',
      verdict: 'agreed',
      labelledAt: reviewedAt(atOf(study)),
      source: 'review-api',
    };
  });
  await insertInBatches(db, 'jobs', size.studies * size.jobsPerStudy, (index) => {
    const study = Math.floor(index / size.jobsPerStudy);
    const type = ['analyse-study', 'deliver-fhir', 'deliver-hl7', 'deliver-pacs', 'deliver-portal'][index % size.jobsPerStudy] as string;
    const at = atOf(study);
    return {
      type,
      key: `${type}:${study}`,
      status: 'done',
      attempts: 1,
      maxAttempts: 6,
      payload: { studyInstanceUid: uid(1, study) },
      runAt: at,
      createdAt: at,
      updatedAt: at,
      finishedAt: at,
    };
  });
  await insertInBatches(db, 'audit', size.auditEntries, (index) => ({
    actorId: new ObjectId().toHexString(),
    actorUsername: `dr${index % 12}`,
    actorRole: 'doctor',
    action: index % 3 === 0 ? 'report.read' : 'study.read',
    resourceType: 'report',
    resourceId: new ObjectId().toHexString(),
    at: new Date(START + Math.floor((index * 365 * DAY_MS) / size.auditEntries)),
  }));
}
