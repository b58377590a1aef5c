import { compositeContextOf } from './composite-context';
import { code, dicomDate, dicomTime } from './dicom-values';
import { compositeItem, container, hierarchicalReferences, imageItem, textItem, type InstanceReference } from './sr-content';

export const KEY_OBJECT_SELECTION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';
export const REJECTED_FOR_QUALITY_REASONS = code('113001', 'DCM', 'Rejected for Quality Reasons');
export const REJECTION_SERIES_NUMBER = 9903;

export interface RejectionNoteInput {
  readonly original: Readonly<Record<string, unknown>>;
  /** Every result object Osteon sent for the study: the SC images and each SR version. */
  readonly rejected: readonly (InstanceReference & { readonly isImage: boolean })[];
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly createdAt: Date;
}

/**
 * IHE IOCM rejection note for a withdrawn report: a Key Object Selection document titled
 * (113001, DCM, "Rejected for Quality Reasons"), TID 2010, listing every object Osteon sent
 * for the study. IOCM-aware archives hide or delete them; the originals are not listed.
 */
export function buildRejectionNote(input: RejectionNoteInput): Record<string, unknown> {
  const context = compositeContextOf(input.original);
  const { createdAt } = input;
  const references = input.rejected.map((reference) =>
    reference.isImage ? imageItem('CONTAINS', undefined, reference) : compositeItem('CONTAINS', undefined, reference),
  );
  const root = container(undefined, REJECTED_FOR_QUALITY_REASONS, [
    textItem('CONTAINS', code('113012', 'DCM', 'Key Object Description'), 'Osteon AI result withdrawn: the report was entered in error'),
    ...references,
  ]);
  return {
    ...context,
    SOPClassUID: KEY_OBJECT_SELECTION_SOP_CLASS,
    SOPInstanceUID: input.sopInstanceUid,
    InstanceCreationDate: dicomDate(createdAt),
    InstanceCreationTime: dicomTime(createdAt),
    Modality: 'KO',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: REJECTION_SERIES_NUMBER,
    SeriesDescription: 'Osteon AI rejection note',
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Osteon',
    InstanceNumber: 1,
    ContentDate: dicomDate(createdAt),
    ContentTime: dicomTime(createdAt),
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    CurrentRequestedProcedureEvidenceSequence: hierarchicalReferences(context.StudyInstanceUID as string, input.rejected),
    ...root,
  };
}
