import { readableJson } from '../../src/deliveries/delivered-message';

describe('messages shown to the operator', () => {
  it('leaves out long strings and binary values, keeping their size', () => {
    const text = readableJson({
      pdf: 'A'.repeat(2_000),
      pixels: Buffer.alloc(4_096),
      frame: new Uint16Array(10),
      short: 'MSH|^~\\\\&',
      values: Array.from({ length: 600 }, (_, n) => n),
    });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).toEqual({
      pdf: '(2000 characters left out)',
      pixels: '(4096 bytes left out)',
      frame: '(20 bytes left out)',
      short: 'MSH|^~\\\\&',
      values: '(600 values left out)',
    });
  });
});
