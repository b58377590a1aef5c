import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from '../../src/auth/password-hash';

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(hash).not.toContain('correct horse battery');
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterx', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts each hash, so one password gives different hashes', async () => {
    const [first, second] = await Promise.all([hashPassword('same password here'), hashPassword('same password here')]);
    expect(first).not.toBe(second);
    await expect(verifyPassword('same password here', second as string)).resolves.toBe(true);
  });

  it('refuses every password against the unknown-user hash and against hashes it does not understand', async () => {
    await expect(verifyPassword('anything at all', UNKNOWN_USER_HASH)).resolves.toBe(false);
    for (const stored of ['', 'plain', 'bcrypt$x$y', 'scrypt$0$8$1$AAAA$AAAA', 'scrypt$16384$8$1$AAAA$']) {
      await expect(verifyPassword('anything at all', stored)).resolves.toBe(false);
    }
  });
});
