import type { InstanceRecord } from '../dicom/instance-record';
import type { ImageFindings } from '../reports/findings';

/** Reads one stored image with the active model. */
export interface ImageAnalyser {
  analyse(record: InstanceRecord): Promise<{ findings: ImageFindings; heatmapPng: Buffer | undefined }>;
}

export const IMAGE_ANALYSER = Symbol('IMAGE_ANALYSER');
