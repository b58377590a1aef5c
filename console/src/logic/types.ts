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
  patientId?: string;
  createdAt: string;
}

export interface ImageFindings {
  fractureProbability: number;
  fracture: boolean;
  countClass: CountClass;
  bodyPart: BodyPart;
  bodyPartSource: 'dicom' | 'model';
}

export interface DeliveryState {
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  contentVersion: number;
  attempts: number;
  error?: string;
  lastAttemptAt?: string;
  deliveredAt?: string;
}

export interface ReportDetail extends WorklistItem {
  images: Array<{ instanceId: string; sopInstanceUid: string; findings: ImageFindings; imageUrl: string; heatmapUrl?: string }>;
  notAnalysed?: Array<{ instanceId: string; sopInstanceUid: string; cause: string; reason: string; imageUrl: string }>;
  review?: {
    agreed: boolean;
    verdict: { fracture: boolean; countClass: CountClass; bodyPart: BodyPart; conclusion?: string };
    by: { username: string };
  };
  deliveries?: Partial<Record<string, DeliveryState>>;
  preliminaryAt?: string;
  finalAt?: string;
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
