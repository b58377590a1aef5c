import { passwordProblem } from '../../src/auth/password.policy';

describe('password policy (zxcvbn, loaded on the first password set)', () => {
  it('refuses the username, common passwords and patterns, with the reason in words', async () => {
    expect(await passwordProblem('dr.house-2026-x', 'house')).toBe('must not contain the username');
    expect(await passwordProblem('aaaaaaaaaaaa', 'house')).toMatch(/^is too easy to guess \(.+\): use a longer passphrase/);
    expect(await passwordProblem('password1234', 'house')).toMatch(/^is too easy to guess/);
  });

  it('accepts a passphrase of unrelated words, the same on every later call', async () => {
    const [first, second] = await Promise.all([
      passwordProblem('lantern orbit walnut cascade', 'house'),
      passwordProblem('lantern orbit walnut cascade', 'house'),
    ]);
    expect(first).toBeUndefined();
    expect(second).toBeUndefined();
  });
});
