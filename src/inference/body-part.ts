import type { BodyPart } from './model-card';

/**
 * Body Part Examined (0018,0015) defined terms and common site variants, mapped to the
 * model's four regions. Anything else (ELBOW, CHEST, ...) leaves the model's own answer.
 */
const DICOM_BODY_PARTS: Readonly<Record<string, BodyPart>> = {
  HAND: 'hand',
  FINGER: 'hand',
  THUMB: 'hand',
  WRIST: 'hand',
  LEG: 'leg',
  LOWERLEG: 'leg',
  LOWERLIMB: 'leg',
  KNEE: 'leg',
  ANKLE: 'leg',
  FOOT: 'leg',
  TOE: 'leg',
  HEEL: 'leg',
  TIBIA: 'leg',
  FIBULA: 'leg',
  FEMUR: 'leg',
  THIGH: 'leg',
  HIP: 'hip',
  PELVIS: 'hip',
  SHOULDER: 'shoulder',
  CLAVICLE: 'shoulder',
  HUMERUS: 'shoulder',
  SCAPULA: 'shoulder',
};

export function bodyPartFromDicom(bodyPartExamined: string | undefined): BodyPart | undefined {
  if (!bodyPartExamined) return undefined;
  return DICOM_BODY_PARTS[bodyPartExamined.toUpperCase().replace(/[^A-Z]/g, '')];
}
