import { createHmac } from 'node:crypto';
import { signAccessToken, verifyAccessToken } from '../../src/auth/access-token';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const NOW = 1_800_000_000;
const subject = { sub: '65f0c0ffee0000000000abcd', role: 'doctor' as const, username: 'dr.house' };

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signed(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('access tokens (HS256 JWS, jose)', () => {
  it('accepts a token it signed and returns its claims', async () => {
    const token = await signAccessToken(subject, SECRET, 600, NOW);
    expect(token.split('.')).toHaveLength(3);
    expect(await verifyAccessToken(token, SECRET, NOW + 1)).toEqual({ ok: true, claims: { ...subject, iat: NOW, exp: NOW + 600 } });
  });

  it('writes a standard header: alg HS256, typ JWT', async () => {
    const [header] = (await signAccessToken(subject, SECRET, 600, NOW)).split('.');
    expect(JSON.parse(Buffer.from(header as string, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await signAccessToken(subject, SECRET, 600, NOW)).split('.');
    const forged = `${header}.${segment({ ...subject, role: 'operator', iat: NOW, exp: NOW + 600 })}.${signature}`;
    expect(await verifyAccessToken(forged, SECRET, NOW)).toEqual({ ok: false, reason: 'signature' });
  });

  it('rejects a tampered signature and one made with another secret', async () => {
    const token = await signAccessToken(subject, SECRET, 600, NOW);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.slice(-1)}`;
    expect(await verifyAccessToken(tampered, SECRET, NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(await verifyAccessToken(await signAccessToken(subject, `${SECRET}-other`, 600, NOW), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('rejects a token at and after its expiry', async () => {
    const token = await signAccessToken(subject, SECRET, 600, NOW);
    expect((await verifyAccessToken(token, SECRET, NOW + 599)).ok).toBe(true);
    expect(await verifyAccessToken(token, SECRET, NOW + 600)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects alg none, with or without a signature', async () => {
    const payload = { ...subject, iat: NOW, exp: NOW + 600 };
    expect((await verifyAccessToken(`${segment({ alg: 'none', typ: 'JWT' })}.${segment(payload)}.`, SECRET, NOW)).ok).toBe(false);
    expect(await verifyAccessToken(signed({ alg: 'none', typ: 'JWT' }, payload), SECRET, NOW)).toEqual({ ok: false, reason: 'algorithm' });
  });

  it('rejects other algorithms even when the HMAC matches', async () => {
    const payload = { ...subject, iat: NOW, exp: NOW + 600 };
    expect(await verifyAccessToken(signed({ alg: 'HS512', typ: 'JWT' }, payload), SECRET, NOW)).toEqual({ ok: false, reason: 'algorithm' });
  });

  it('rejects well-signed tokens with missing or wrong claims', async () => {
    const header = { alg: 'HS256', typ: 'JWT' };
    expect(await verifyAccessToken(signed(header, { ...subject, role: 'root', iat: NOW, exp: NOW + 600 }), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'claims',
    });
    expect(await verifyAccessToken(signed(header, { ...subject, iat: NOW }), SECRET, NOW)).toEqual({ ok: false, reason: 'claims' });
    expect(await verifyAccessToken(signed(header, { ...subject, iat: NOW + 3600, exp: NOW + 7200 }), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'claims',
    });
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', 'a.b.c', '!!.@@.##'])('rejects the malformed token %p', async (token) => {
    expect((await verifyAccessToken(token, SECRET, NOW)).ok).toBe(false);
  });
});
