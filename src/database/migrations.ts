import type { AnyBulkWriteOperation, Db, Document } from 'mongodb';

export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Db): Promise<void>;
}

/** Versioned schema changes, applied in order at start-up and recorded in `migrations`. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'instance indexes',
    async up(db) {
      const instances = db.collection('instances');
      await instances.createIndex({ sopInstanceUid: 1, sha256: 1 }, { unique: true, name: 'sop_content' });
      await instances.createIndex({ studyInstanceUid: 1, receivedAt: 1 }, { name: 'study_received' });
      await instances.createIndex({ patientId: 1, studyDay: 1 }, { name: 'patient_day' });
      await instances.createIndex({ sha256: 1 }, { name: 'content' });
    },
  },
  {
    version: 2,
    description: 'jobs, reports and training label indexes',
    async up(db) {
      const jobs = db.collection('jobs');
      await jobs.createIndex({ status: 1, runAt: 1 }, { name: 'due' });
      await jobs.createIndex({ key: 1, status: 1 }, { name: 'key_status' });
      const reports = db.collection('reports');
      await reports.createIndex({ studyInstanceUid: 1 }, { unique: true, name: 'study' });
      await reports.createIndex({ status: 1, urgencyRank: 1, createdAt: 1 }, { name: 'worklist' });
      await reports.createIndex({ createdAt: 1 }, { name: 'created' });
      const labels = db.collection('training_labels');
      await labels.createIndex({ imageSha256: 1, labelledAt: -1 }, { name: 'image_latest' });
      await labels.createIndex({ reportId: 1 }, { name: 'report' });
    },
  },
  {
    version: 3,
    description: 'user and audit indexes',
    async up(db) {
      await db.collection('users').createIndex({ username: 1 }, { unique: true, name: 'username' });
      const audit = db.collection('audit');
      await audit.createIndex({ at: -1 }, { name: 'at' });
      await audit.createIndex({ resourceType: 1, resourceId: 1, at: -1 }, { name: 'resource_at' });
      await audit.createIndex({ actorId: 1, at: -1 }, { name: 'actor_at' });
    },
  },
  {
    version: 4,
    description: 'heat maps looked up by image content and model version',
    async up(db) {
      // Not unique: maps saved before this version may repeat and old reports still point at each copy.
      await db.collection('heatmaps').createIndex({ sha256: 1, modelVersion: 1 }, { name: 'content_model' });
    },
  },
  {
    version: 5,
    description: "indexes for a year of data: a patient's reports, recently changed reports, recent arrivals",
    async up(db) {
      await db.collection('reports').createIndex({ 'patient.patientId': 1 }, { name: 'patient' });
      await db.collection('reports').createIndex({ status: 1, updatedAt: 1 }, { name: 'status_updated' });
      await db.collection('instances').createIndex({ receivedAt: 1 }, { name: 'received' });
    },
  },
  {
    version: 6,
    description: 'reports keep the filler order number they are known by in the RIS (older ones: their database id, as sent)',
    async up(db) {
      const reports = db.collection('reports');
      const legacy = await reports.find({ fillerOrderNumber: { $exists: false } }, { projection: { _id: 1 } }).toArray();
      for (let start = 0; start < legacy.length; start += 500) {
        await reports.bulkWrite(
          legacy.slice(start, start + 500).map((report) => ({
            updateOne: { filter: { _id: report._id }, update: { $set: { fillerOrderNumber: report._id.toHexString(), sequence: 1 } } },
          })),
        );
      }
      await reports.createIndex({ fillerOrderNumber: 1 }, { name: 'filler_order_number', unique: true, sparse: true });
    },
  },
  {
    version: 7,
    description: "Osteon's own result objects per report, and the study's objects DICOMweb serves",
    async up(db) {
      await db.collection('result_sets').createIndex({ reportId: 1 }, { unique: true, name: 'report' });
      await db
        .collection('instances')
        .createIndex({ studyInstanceUid: 1, seriesInstanceUid: 1, sopInstanceUid: 1 }, { name: 'study_series_sop' });
    },
  },
  {
    version: 8,
    description: 'one record per SOP instance and version (the first copy of a UID is indexed without a lookup)',
    async up(db) {
      await renumberRepeatedVersions(db);
      await db.collection('instances').createIndex({ sopInstanceUid: 1, version: 1 }, { unique: true, name: 'sop_version' });
    },
  },
];

/**
 * Before UID + version was unique, two senders of different content for one UID at the same moment
 * could both get the same version number. Such versions are numbered again in arrival order, so the
 * newest stays the newest, before the unique index is built. The records stream in UID order (the
 * UID + content index can serve it; a real mongod refuses large in-memory sorts), one UID's
 * versions sorted at a time.
 */
async function renumberRepeatedVersions(db: Db): Promise<void> {
  const instances = db.collection('instances');
  const cursor = instances.find({}, { projection: { _id: 1, sopInstanceUid: 1, version: 1, receivedAt: 1 } }).sort({ sopInstanceUid: 1 });
  let updates: AnyBulkWriteOperation[] = [];
  let group: Document[] = [];
  const renumber = async (): Promise<void> => {
    group.sort(
      (x, y) =>
        Number(x.version) - Number(y.version) || Number(x.receivedAt) - Number(y.receivedAt) || String(x._id).localeCompare(String(y._id)),
    );
    let next = 0;
    for (const record of group) {
      next = Math.max(next + 1, Number(record.version) || 1);
      if (next !== record.version) {
        updates.push({ updateOne: { filter: { _id: record._id }, update: { $set: { version: next, conflict: next > 1 } } } });
      }
    }
    group = [];
    if (updates.length >= 500) {
      await instances.bulkWrite(updates);
      updates = [];
    }
  };
  for await (const record of cursor) {
    if (group.length > 0 && record.sopInstanceUid !== group[0]?.sopInstanceUid) await renumber();
    group.push(record);
  }
  await renumber();
  if (updates.length > 0) await instances.bulkWrite(updates);
}
