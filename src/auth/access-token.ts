import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRole, type Role } from '../access/role';

/** The claims Osteon puts in an access token (a compact JWS, HS256). */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly role: Role;
  readonly username: string;
  readonly iat: number;
  readonly exp: number;
}

export type TokenRejection = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'claims';

export type TokenVerification = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: TokenRejection };

const HEADER = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
// A token issued by a clock slightly ahead of ours is still accepted; one from the future is not.
const CLOCK_SKEW_SECONDS = 60;

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function hmac(secret: string, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

function parseJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function signAccessToken(
  subject: { sub: string; role: Role; username: string },
  secret: string,
  ttlSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string {
  const claims: AccessTokenClaims = { ...subject, iat: nowSeconds, exp: nowSeconds + ttlSeconds };
  const signingInput = `${HEADER}.${base64url(Buffer.from(JSON.stringify(claims)))}`;
  return `${signingInput}.${base64url(hmac(secret, signingInput))}`;
}

/** Checks the header (alg must be HS256: `none` and others are refused), signature, expiry and claim types. */
export function verifyAccessToken(token: string, secret: string, nowSeconds: number = Math.floor(Date.now() / 1000)): TokenVerification {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return { ok: false, reason: 'malformed' };
  const [headerSegment, payloadSegment, signatureSegment] = parts as [string, string, string];
  const header = parseJson(headerSegment);
  if (typeof header !== 'object' || header === null) return { ok: false, reason: 'malformed' };
  const { alg, typ } = header as { alg?: unknown; typ?: unknown };
  if (alg !== 'HS256' || (typ !== undefined && typ !== 'JWT')) return { ok: false, reason: 'algorithm' };
  const expected = hmac(secret, `${headerSegment}.${payloadSegment}`);
  const given = Buffer.from(signatureSegment, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  const payload = parseJson(payloadSegment);
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'malformed' };
  const { sub, role, username, iat, exp } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof username !== 'string' || !isRole(role)) return { ok: false, reason: 'claims' };
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) {
    return { ok: false, reason: 'claims' };
  }
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) return { ok: false, reason: 'claims' };
  if (exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { sub, role, username, iat, exp } };
}
