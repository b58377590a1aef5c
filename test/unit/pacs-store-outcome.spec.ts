import { classifyStoreStatus, deliveryOutcomeOf, type StoreResponse } from '../../src/pacs/store-outcome';

const answered = (sopInstanceUid: string, status: number | undefined, errorComment?: string): StoreResponse => ({
  sopInstanceUid,
  status,
  errorComment,
});

describe('PACS store outcome', () => {
  it('classifies C-STORE statuses as success, warning, retry or refusal', () => {
    expect(classifyStoreStatus(0x0000)).toBe('success');
    expect(classifyStoreStatus(0xb000)).toBe('warning');
    expect(classifyStoreStatus(0xb007)).toBe('warning');
    expect(classifyStoreStatus(0xa700)).toBe('retry');
    expect(classifyStoreStatus(0xa7ff)).toBe('retry');
    expect(classifyStoreStatus(0xa900)).toBe('refused');
    expect(classifyStoreStatus(0xc000)).toBe('refused');
    expect(classifyStoreStatus(0x0122)).toBe('refused');
    expect(classifyStoreStatus(0x0124)).toBe('refused');
  });

  it('counts an association as delivered only when every object was stored, keeping warnings', () => {
    const outcome = deliveryOutcomeOf({ kind: 'completed', responses: [answered('1.1', 0), answered('1.2', 0xb000, 'coerced')] }, [
      '1.1',
      '1.2',
    ]);
    expect(outcome).toEqual({ kind: 'delivered', warnings: ['1.2: status 0xB000 coerced'] });
  });

  it('refuses when one object was refused even if the others were stored, naming the status and comment', () => {
    const outcome = deliveryOutcomeOf({ kind: 'completed', responses: [answered('1.1', 0), answered('1.2', 0xa900, 'bad data set')] }, [
      '1.1',
      '1.2',
    ]);
    expect(outcome).toEqual({ kind: 'refused', reason: 'PACS refused: 1.2: status 0xA900 bad data set' });
  });

  it('retries when the PACS is out of resources', () => {
    expect(deliveryOutcomeOf({ kind: 'completed', responses: [answered('1.1', 0xa700)] }, ['1.1']).kind).toBe('retry');
  });

  it('refuses an object the PACS never answered (its SOP class had no accepted presentation context)', () => {
    const outcome = deliveryOutcomeOf({ kind: 'completed', responses: [answered('1.1', 0), answered('1.2', undefined)] }, ['1.1', '1.2']);
    expect(outcome.kind).toBe('refused');
    expect(outcome.kind === 'refused' && outcome.reason).toMatch(/1\.2: not accepted by the PACS/);
  });

  it('retries an association the PACS aborted before answering: nothing was stored', () => {
    expect(deliveryOutcomeOf({ kind: 'aborted', source: 0, reason: 0 }, ['1.1'])).toEqual({
      kind: 'retry',
      reason: 'association aborted by the PACS before it answered (source 0, reason 0)',
    });
  });

  it('retries network errors and transient rejections, refuses permanent rejections', () => {
    expect(deliveryOutcomeOf({ kind: 'network-error', message: 'ECONNREFUSED' }, ['1.1'])).toEqual({
      kind: 'retry',
      reason: 'PACS unreachable: ECONNREFUSED',
    });
    expect(deliveryOutcomeOf({ kind: 'rejected', result: 2, source: 3, reason: 1 }, ['1.1']).kind).toBe('retry');
    expect(deliveryOutcomeOf({ kind: 'rejected', result: 1, source: 1, reason: 3 }, ['1.1'])).toEqual({
      kind: 'refused',
      reason: 'association rejected by the PACS (permanent, service user: calling AE title not recognised)',
    });
  });
});
