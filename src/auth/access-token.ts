import { errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role } from '../access/role';

/** The claims Osteon puts in an access token (a compact JWS, HS256, signed and verified by `jose`). */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly role: Role;
  readonly username: string;
  readonly iat: number;
  readonly exp: number;
}

export type TokenRejection = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'claims';

export type TokenVerification = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: TokenRejection };

// A token issued by a clock slightly ahead of ours is still accepted; one from the future is not.
const CLOCK_SKEW_SECONDS = 60;

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signAccessToken(
  subject: { sub: string; role: Role; username: string },
  secret: string,
  ttlSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ role: subject.role, username: subject.username })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject.sub)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .sign(keyOf(secret));
}

function rejectionOf(error: unknown): TokenRejection {
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return 'claims';
  return 'malformed';
}

/** Only HS256 (`none` and every other algorithm are refused), then signature, expiry and claim types. */
export async function verifyAccessToken(
  token: string,
  secret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<TokenVerification> {
  let verified;
  try {
    verified = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      currentDate: new Date(nowSeconds * 1000),
      requiredClaims: ['sub', 'iat', 'exp'],
    });
  } catch (error) {
    return { ok: false, reason: rejectionOf(error) };
  }
  if (verified.protectedHeader.typ !== undefined && verified.protectedHeader.typ !== 'JWT') return { ok: false, reason: 'algorithm' };
  const { sub, role, username, iat, exp } = verified.payload as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof username !== 'string' || !isRole(role)) return { ok: false, reason: 'claims' };
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, reason: 'claims' };
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) return { ok: false, reason: 'claims' };
  return { ok: true, claims: { sub, role, username, iat, exp } };
}
