export type Role = 'admin-worker' | 'doctor' | 'operator' | 'patient';
export type Urgency = 'urgent' | 'soon' | 'routine';
export type CountClass = '0' | '1' | '2+';
export type BodyPart = 'hand' | 'leg' | 'hip' | 'shoulder';
export const BODY_PARTS: readonly BodyPart[] = ['hand', 'leg', 'hip', 'shoulder'];
export const COUNT_CLASSES: readonly CountClass[] = ['0', '1', '2+'];

export interface StudyFindings {
  fracture: boolean;
  probability: number;
  countClass: CountClass;
  bodyPart: BodyPart;
}

export interface WorklistItem {
  id: string;
  studyInstanceUid: string;
  status: string;
  urgency: Urgency;
  /** null: no image was analysed by AI (the doctor reads the study without a draft). */
  findings: StudyFindings | null;
  /** Images without an AI finding. */
  notAnalysedCount?: number;
  modelVersion: string;
  imageCount: number;
  assignedTo?: string;
  assignedToName?: string;
  patientId?: string;
  patientName?: string;
  birthDate?: string;
  sex?: string;
  accessionNumber?: string;
  studyDate?: string;
  signedBy?: string;
  firstReceivedAt?: string;
  finalAt?: string;
  createdAt: string;
  deliveries?: Partial<Record<string, DeliveryState>>;
}

export interface PersonRef {
  username: string;
  displayName?: string;
}

export interface ImageFindings {
  fractureProbability: number;
  fracture: boolean;
  countClass: CountClass;
  bodyPart: BodyPart;
  bodyPartSource: 'dicom' | 'model';
  /** Models with a box head: the top fracture box, corners as fractions of the image's width and height. */
  box?: { x0: number; y0: number; x1: number; y1: number };
}

export interface DeliveryState {
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  contentVersion: number;
  attempts: number;
  error?: string;
  lastAttemptAt?: string;
  deliveredAt?: string;
  references?: Record<string, unknown>;
  /** The last message built for the channel (absent for channels that do not record it). */
  message?: { contentType: string; text: string; truncated: boolean; builtAt: string };
  /** The latest attempts, oldest first. */
  log?: Array<{ at: string; contentVersion: number; status: 'delivered' | 'failed' | 'dead'; answer?: string; error?: string }>;
}

export interface ReportDetail extends WorklistItem {
  images: Array<{ instanceId: string; sopInstanceUid: string; findings: ImageFindings; imageUrl: string; heatmapUrl?: string }>;
  notAnalysed?: Array<{ instanceId: string; sopInstanceUid: string; cause: string; reason: string; imageUrl: string }>;
  patient?: { patientId?: string; name?: string; birthDate?: string; sex?: string };
  review?: {
    agreed: boolean;
    verdict: { fracture: boolean; countClass: CountClass; bodyPart: BodyPart; conclusion?: string };
    by: PersonRef;
  };
  statusHistory?: Array<{ status: string; at: string; by?: PersonRef; reason: string }>;
  preliminaryAt?: string;
}

export interface Job {
  id: string;
  type: string;
  key: string;
  status: 'pending' | 'running' | 'done' | 'dead';
  attempts: number;
  maxAttempts: number;
  lastError?: string;
  updatedAt: string;
}

export interface ModelVersion {
  version: string;
  status: 'candidate' | 'shadow' | 'active' | 'retired' | 'rejected';
  source: 'shipped' | 'retrained';
  createdAt: string;
  trainedOnLabels: number;
  gate?: { passed: boolean; reasons: string[] };
}

/** GET /api/deliveries/channels: whether each receiver is taking results. */
export interface ChannelState {
  channel: string;
  state: 'off' | 'healthy' | 'retrying' | 'down';
  since?: string;
  waiting: number;
  dead: number;
}
