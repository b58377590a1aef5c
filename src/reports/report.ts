import type { AnalysedImage, DoctorVerdict, StudyFindings, UnanalysedImage, Urgency } from './findings';

export type ReportStatus = 'preliminary' | 'final' | 'amended' | 'entered-in-error';

export interface PersonRef {
  readonly id: string;
  readonly username: string;
  readonly role: string;
  /** How the person signs ("Dr. Greg House"); records written before it existed have the user name only. */
  readonly displayName?: string;
}

export interface Review {
  readonly by: PersonRef;
  readonly at: Date;
  readonly agreed: boolean;
  readonly verdict: DoctorVerdict;
  /** What the AI said when the doctor decided, kept beside the verdict; undefined when no image had an AI finding. */
  readonly aiFindings: StudyFindings | undefined;
  readonly modelVersion: string;
  readonly source: ReviewSource;
}

export type ReviewSource = 'review-api' | 'fhir' | 'hl7';

export interface StatusChange {
  readonly status: ReportStatus;
  readonly at: Date;
  readonly by: PersonRef | undefined;
  readonly reason: string;
}

export interface ReportPatient {
  readonly patientId: string | undefined;
  readonly name: string | undefined;
  readonly birthDate: string | undefined;
  readonly sex: string | undefined;
}

/** One report per study: its state and every delivery live in this one document. */
export interface Report {
  readonly id: string;
  readonly studyInstanceUid: string;
  /** The report's number within its study (1); with the study it names the report downstream (report-identity.ts). */
  readonly sequence?: number;
  /** HL7 OBR-3 sent for this report: derived from the study (older reports: their database id, as sent then). */
  readonly fillerOrderNumber?: string;
  readonly accessionNumber: string | undefined;
  /** The study's date (YYYY-MM-DD) from the images, or the day they arrived; absent on reports written before it was kept. */
  readonly studyDate?: string;
  readonly patient: ReportPatient;
  readonly status: ReportStatus;
  readonly urgency: Urgency;
  readonly urgencyRank: number;
  readonly modelVersion: string;
  /** The AI draft over the images it read; undefined when it read none (every image is in `notAnalysed`). */
  readonly findings: StudyFindings | undefined;
  readonly images: readonly AnalysedImage[];
  /** Images without an AI finding, with the reason each: the report exists all the same, for a doctor to read. */
  readonly notAnalysed: readonly UnanalysedImage[];
  readonly firstReceivedAt: Date;
  readonly lastReceivedAt: Date;
  readonly analysedAt: Date;
  readonly preliminaryAt: Date;
  readonly finalAt: Date | undefined;
  readonly review: Review | undefined;
  readonly reviews: readonly Review[];
  readonly statusHistory: readonly StatusChange[];
  readonly assignedTo: PersonRef | undefined;
  readonly deliveries: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Optimistic-concurrency counter: every change bumps it. */
  readonly revision: number;
  /** Bumped only when what a receiver sees changes (analysis, review, withdrawal). */
  readonly contentVersion: number;
}

/** One channel's delivery state, kept in `deliveries.<channel>` of the report. */
export interface DeliveryState {
  readonly status: 'pending' | 'delivered' | 'failed' | 'dead';
  /** The report contentVersion this state is about. */
  readonly contentVersion: number;
  readonly attempts: number;
  readonly lastAttemptAt: Date | undefined;
  readonly deliveredAt: Date | undefined;
  readonly error: string | undefined;
  /** Channel-specific references (server ids and versions, message control ids, UIDs). */
  readonly references: Readonly<Record<string, unknown>>;
  /** The last message built for the channel (what was sent or tried), for the operator's message browser. */
  readonly message?: DeliveredMessageRecord;
  /** The latest attempts, oldest first: when, how each ended, what the receiver answered. */
  readonly log?: readonly DeliveryLogEntry[];
}

/** What went out, as readable text: document bytes and link secrets are left out by the channel. */
export interface DeliveredMessageRecord {
  readonly contentType: string;
  readonly text: string;
  readonly truncated: boolean;
  readonly builtAt: Date;
}

export interface DeliveryLogEntry {
  readonly at: Date;
  readonly contentVersion: number;
  readonly status: 'delivered' | 'failed' | 'dead';
  /** What came back (an ACK code and text, an HTTP status, the stored references). */
  readonly answer: string | undefined;
  readonly error: string | undefined;
}
