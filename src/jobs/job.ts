/** Every job type the engine runs; boot fails if one has no registered handler. */
export const JOB_TYPES = [
  'analyse-study',
  'retrain-model',
  'deliver-fhir-document',
  'deliver-portal',
  'deliver-fhir',
  'deliver-hl7',
  'deliver-pacs',
  'archive-results',
  'shadow-analysis',
] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * Claimed before anything older of another type: reading a study (a doctor waits for its draft)
 * comes before rendering and sending the results of studies already read.
 */
export const CLAIMED_FIRST: readonly JobType[] = ['analyse-study'];

export type JobStatus = 'pending' | 'running' | 'done' | 'dead';

/** Job data carries ids only: the handler reloads the current state of its target. */
export type JobPayload = Readonly<Record<string, string | number | boolean>>;

export interface JobRecord {
  readonly id: string;
  readonly type: JobType;
  /** Jobs with the same key are one piece of work: never two pending, never two running. */
  readonly key: string;
  readonly payload: JobPayload;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Past this the job is not retried any more (deliveries: their maximum age); absent: no limit. */
  readonly expiresAt?: Date;
  /** When the current run of failures began (cleared by a success); a channel's state reads it. */
  readonly failingSince?: Date;
  readonly runAt: Date;
  readonly leaseOwner: string | undefined;
  readonly leaseExpiresAt: Date | undefined;
  readonly lastError: string | undefined;
  readonly correlationId: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | undefined;
}
