/** The STOW-RS response (PS3.18 10.5.3): what was stored, what failed and why, as DICOM JSON. Pure. */

import { attribute } from './dicom-dictionary';
import type { JsonDataset, JsonElement } from './dicom-json';

export interface StoredInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly retrieveUrl: string;
}

export interface FailedInstance {
  /** Empty when the part was not DICOM at all (nothing to name it by). */
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** A C-STORE status (PS3.4 B.2.3): A700 out of resources, A900 does not match, C000 cannot understand, 0122 class not supported. */
  readonly failureReason: number;
}

export interface StowOutcome {
  readonly httpStatus: 200 | 202 | 409;
  readonly body: JsonDataset;
}

const tag = (keyword: string): string => attribute(keyword).tag;

function uid(value: string): JsonElement {
  return value ? { vr: 'UI', Value: [value] } : { vr: 'UI' };
}

/** 200 when every instance was stored, 202 when some failed, 409 when none was stored. */
export function stowOutcome(
  stored: readonly StoredInstance[],
  failed: readonly FailedInstance[],
  studyUrl: string | undefined,
): StowOutcome {
  const body: JsonDataset = {};
  if (studyUrl) body[tag('RetrieveURL')] = { vr: 'UR', Value: [studyUrl] };
  if (failed.length > 0) {
    body[tag('FailedSOPSequence')] = {
      vr: 'SQ',
      Value: failed.map((failure) => ({
        [tag('ReferencedSOPClassUID')]: uid(failure.sopClassUid),
        [tag('ReferencedSOPInstanceUID')]: uid(failure.sopInstanceUid),
        [tag('FailureReason')]: { vr: 'US', Value: [failure.failureReason] },
      })),
    };
  }
  if (stored.length > 0) {
    body[tag('ReferencedSOPSequence')] = {
      vr: 'SQ',
      Value: stored.map((instance) => ({
        [tag('ReferencedSOPClassUID')]: uid(instance.sopClassUid),
        [tag('ReferencedSOPInstanceUID')]: uid(instance.sopInstanceUid),
        [tag('RetrieveURL')]: { vr: 'UR', Value: [instance.retrieveUrl] },
      })),
    };
  }
  const httpStatus = failed.length === 0 ? 200 : stored.length === 0 ? 409 : 202;
  return { httpStatus, body };
}
