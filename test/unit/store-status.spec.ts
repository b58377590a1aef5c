import { IngestErrorCode, IngestException } from '../../src/dicom/ingest.exception';
import { storeStatusFor } from '../../src/dicom/store-status';

describe('C-STORE failure statuses', () => {
  it.each([
    [IngestErrorCode.Unreadable, 0xc000],
    [IngestErrorCode.TransferSyntaxNotSupported, 0xc000],
    [IngestErrorCode.MissingAttribute, 0xa900],
    [IngestErrorCode.InvalidUid, 0xa900],
    [IngestErrorCode.SopClassMismatch, 0xa900],
    [IngestErrorCode.SopInstanceMismatch, 0xa900],
    [IngestErrorCode.NoPixelData, 0xa900],
    [IngestErrorCode.SopClassNotSupported, 0x0122],
    [IngestErrorCode.StorageFailure, 0xa700],
  ])('answers %s with 0x%s', (code, status) => {
    expect(storeStatusFor(new IngestException(code, 'reason')).status).toBe(status);
  });

  it('answers an unexpected error with out-of-resources, so the modality retries', () => {
    expect(storeStatusFor(new Error('boom'))).toEqual({ status: 0xa700, errorComment: 'internal error' });
  });
});
