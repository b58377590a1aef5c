import { ConfigError, loadAppConfig } from '../../src/config/app-config';

describe('FHIR channel configuration', () => {
  it('leaves the channel off while OSTEON_FHIR_URL is unset', () => {
    expect(loadAppConfig({ OSTEON_FHIR_TOKEN: 'x' }).fhir).toBeUndefined();
  });

  it('reads the base URL, a bearer token, the poll interval in seconds and the identifier systems', () => {
    const fhir = loadAppConfig({
      OSTEON_FHIR_URL: 'https://fhir.hospital.example/r4/',
      OSTEON_FHIR_TOKEN: 'secret-token',
      OSTEON_FHIR_POLL_SECONDS: '2.5',
    }).fhir;
    expect(fhir).toMatchObject({
      baseUrl: 'https://fhir.hospital.example/r4',
      auth: { kind: 'bearer', token: 'secret-token' },
      pollMs: 2500,
      system: 'urn:osteon:',
      patientIdSystem: 'urn:osteon:patient-id',
    });
  });

  it('uses basic auth when a username and password are given, and refuses one without the other', () => {
    expect(
      loadAppConfig({ OSTEON_FHIR_URL: 'http://fhir', OSTEON_FHIR_USERNAME: 'osteon', OSTEON_FHIR_PASSWORD: 'pw' }).fhir?.auth,
    ).toEqual({ kind: 'basic', username: 'osteon', password: 'pw' });
    expect(() => loadAppConfig({ OSTEON_FHIR_URL: 'http://fhir', OSTEON_FHIR_USERNAME: 'osteon' })).toThrow(ConfigError);
  });

  it('refuses an identifier system base that would not end a system name cleanly, and a base URL that is no URL', () => {
    expect(() => loadAppConfig({ OSTEON_FHIR_URL: 'http://fhir', OSTEON_FHIR_SYSTEM: 'https://osteon.example.org/fhir' })).toThrow(
      /OSTEON_FHIR_SYSTEM/,
    );
    expect(loadAppConfig({ OSTEON_FHIR_URL: 'http://fhir', OSTEON_FHIR_SYSTEM: 'https://osteon.example.org/fhir/' }).fhir?.system).toBe(
      'https://osteon.example.org/fhir/',
    );
    expect(() => loadAppConfig({ OSTEON_FHIR_URL: 'not a url' })).toThrow(/OSTEON_FHIR_URL/);
  });
});
