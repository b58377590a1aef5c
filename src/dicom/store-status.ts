import { StoreStatus } from './dicom.constants';
import { IngestErrorCode, IngestException } from './ingest.exception';
import type { StoreOutcome } from './scp-handlers';

/** Maps why an instance was refused to the C-STORE status a modality understands (PS3.4 B.2.3). */
export function storeStatusFor(error: unknown): StoreOutcome {
  if (!(error instanceof IngestException)) {
    return { status: StoreStatus.OutOfResources, errorComment: 'internal error' };
  }
  switch (error.code) {
    case IngestErrorCode.Unreadable:
    case IngestErrorCode.TransferSyntaxNotSupported:
      return { status: StoreStatus.CannotUnderstand, errorComment: error.reason };
    case IngestErrorCode.MissingAttribute:
    case IngestErrorCode.InvalidUid:
    case IngestErrorCode.SopClassMismatch:
    case IngestErrorCode.SopInstanceMismatch:
    case IngestErrorCode.StudyMismatch:
    case IngestErrorCode.NoPixelData:
    case IngestErrorCode.PixelDataInconsistent:
      return { status: StoreStatus.DataSetDoesNotMatchSopClass, errorComment: error.reason };
    case IngestErrorCode.ImageTooLarge:
      return { status: StoreStatus.OutOfResources, errorComment: error.reason };
    case IngestErrorCode.SopClassNotSupported:
      return { status: StoreStatus.SopClassNotSupported, errorComment: error.reason };
    case IngestErrorCode.StorageFailure:
      return { status: StoreStatus.OutOfResources, errorComment: 'storage unavailable' };
  }
}
