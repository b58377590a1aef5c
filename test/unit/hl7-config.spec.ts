import { ConfigError, loadAppConfig } from '../../src/config/app-config';

describe('HL7 configuration', () => {
  it('leaves both HL7 directions off unless their variables are set', () => {
    const config = loadAppConfig({});
    expect(config.hl7.ris).toBeUndefined();
    expect(config.hl7.listener).toBeUndefined();
  });

  it('turns the RIS channel and the listener on with their host and port', () => {
    const config = loadAppConfig({ OSTEON_RIS_HOST: 'ris.local', OSTEON_RIS_PORT: '2575', OSTEON_MLLP_PORT: '2576' });
    expect(config.hl7.ris).toEqual({ host: 'ris.local', port: 2575 });
    expect(config.hl7.listener).toEqual({ host: '127.0.0.1', port: 2576 });
  });

  it('refuses a RIS host without a port with one line naming both variables', () => {
    expect(() => loadAppConfig({ OSTEON_RIS_HOST: 'ris.local' })).toThrow(
      new ConfigError('Invalid configuration: OSTEON_RIS_HOST and OSTEON_RIS_PORT must be set together'),
    );
  });

  it('refuses a bad OSTEON_MLLP_PORT with one line naming the variable', () => {
    expect(() => loadAppConfig({ OSTEON_MLLP_PORT: '99999' })).toThrow(/^Invalid configuration: OSTEON_MLLP_PORT="99999"/);
  });
});
