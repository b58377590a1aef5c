import type { Db } from 'mongodb';

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
      await instances.createIndex({ patientId: 1, studyDate: 1 }, { name: 'patient_date' });
      await instances.createIndex({ sha256: 1 }, { name: 'content' });
    },
  },
];
