import { ConfigError, loadAppConfig } from '../../src/config/app-config';

describe('PACS configuration', () => {
  it('leaves the PACS channel off when no PACS is configured', () => {
    expect(loadAppConfig({}).pacs).toBeUndefined();
  });

  it('calls the PACS with the engine AE title unless a calling AE title is given', () => {
    const target = { OSTEON_PACS_AE: 'ORTHANC', OSTEON_PACS_HOST: 'pacs.local', OSTEON_PACS_PORT: '4242', OSTEON_AE_TITLE: 'OSTEON_ED' };
    expect(loadAppConfig(target).pacs).toMatchObject({
      calledAeTitle: 'ORTHANC',
      host: 'pacs.local',
      port: 4242,
      callingAeTitle: 'OSTEON_ED',
      timeoutMs: 30_000,
    });
    expect(loadAppConfig({ ...target, OSTEON_PACS_CALLING_AE: 'AI_RESULTS' }).pacs?.callingAeTitle).toBe('AI_RESULTS');
  });

  it('stops the start with one line when the PACS is configured only in part or badly', () => {
    expect(() => loadAppConfig({ OSTEON_PACS_AE: 'ORTHANC' })).toThrow(
      new ConfigError('Invalid configuration: OSTEON_PACS_HOST, OSTEON_PACS_PORT must be set with the other OSTEON_PACS_* variables'),
    );
    expect(() => loadAppConfig({ OSTEON_PACS_AE: 'A\\B', OSTEON_PACS_HOST: 'h', OSTEON_PACS_PORT: '1' })).toThrow(/OSTEON_PACS_AE/);
    expect(() => loadAppConfig({ OSTEON_PACS_AE: 'ORTHANC', OSTEON_PACS_HOST: 'h', OSTEON_PACS_PORT: '70000' })).toThrow(
      /OSTEON_PACS_PORT/,
    );
  });
});
