import { ConfigError, loadAppConfig } from '../../src/config/app-config';

describe('configuration', () => {
  it('starts on embedded defaults with an empty environment', () => {
    const config = loadAppConfig({});
    expect(config.dicom).toMatchObject({ aeTitle: 'OSTEON', port: 11112, host: '127.0.0.1', allowedCallingAeTitles: [] });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.database.uri).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
  });

  it('reads the allowed calling AE titles as a comma-separated list', () => {
    expect(loadAppConfig({ OSTEON_ALLOWED_AE: ' CR01, DX_ROOM2 ,' }).dicom.allowedCallingAeTitles).toEqual(['CR01', 'DX_ROOM2']);
  });

  it.each([
    ['OSTEON_DICOM_PORT', 'eleven'],
    ['OSTEON_HTTP_PORT', '70000'],
    ['OSTEON_AE_TITLE', 'A_TITLE_LONGER_THAN_16'],
    ['OSTEON_ALLOWED_AE', 'GOOD,BAD\\AE'],
    ['MONGODB_URI', 'postgres://localhost/x'],
    ['OSTEON_EMBEDDED_DB', 'sqlite'],
  ])('refuses a bad %s with one line naming the variable', (variable, value) => {
    expect(() => loadAppConfig({ [variable]: value })).toThrow(ConfigError);
    try {
      loadAppConfig({ [variable]: value });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(variable);
      expect(message).not.toContain('\n');
    }
  });
});
