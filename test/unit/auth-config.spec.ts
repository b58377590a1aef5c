import { ConfigError, loadAppConfig } from '../../src/config/app-config';

describe('auth configuration', () => {
  it('defaults the token lifetime to 8 hours, login throttling to 5 failures per account and 20 per address in 15 minutes, and leaves the secrets unset outside production', () => {
    expect(loadAppConfig({}).auth).toEqual({
      jwtSecret: undefined,
      operatorApiKey: undefined,
      tokenTtlSeconds: 28_800,
      login: { accountFailures: 5, addressFailures: 20, lockoutSeconds: 900, windowSeconds: 900 },
    });
  });

  it('refuses to start in production without OSTEON_JWT_SECRET, in one line naming it', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(/^[^\n]*OSTEON_JWT_SECRET[^\n]*$/);
    expect(loadAppConfig({ NODE_ENV: 'production', OSTEON_JWT_SECRET: 'x'.repeat(32) }).auth.jwtSecret).toBe('x'.repeat(32));
  });

  it.each([
    ['OSTEON_JWT_SECRET', 'short-secret-value'],
    ['OSTEON_OPERATOR_API_KEY', 'short-key-value'],
  ])('refuses a short %s without echoing it', (variable, value) => {
    expect(() => loadAppConfig({ [variable]: value })).toThrow(variable);
    expect(() => loadAppConfig({ [variable]: value })).not.toThrow(value);
  });

  it('refuses a token lifetime under a minute', () => {
    expect(() => loadAppConfig({ OSTEON_TOKEN_TTL_SECONDS: '10' })).toThrow('OSTEON_TOKEN_TTL_SECONDS');
  });
});
