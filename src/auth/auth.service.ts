import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OPERATOR_API_KEY_USER, type AuthenticatedUser } from '../access/authenticated-user';
import type { Role } from '../access/role';
import { AuditService } from '../audit/audit.service';
import { moduleLogger } from '../common/logger';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { signAccessToken, verifyAccessToken } from './access-token';
import { AuthErrorCode, AuthException } from './auth.exception';
import { LoginThrottleRepository, type LoginBlock } from './login-throttle.repository';
import { UNKNOWN_USER_HASH, verifyPassword } from './password-hash';
import type { UserRecord } from './user-record';
import { UserRepository } from './user.repository';

export interface LoginResult {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly role: Role;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function tooManyAttempts(block: LoginBlock): AuthException {
  const what = block.scope === 'account' ? 'this account' : 'this address';
  return new AuthException(
    AuthErrorCode.TooManyAttempts,
    `too many failed logins for ${what}: try again in ${block.retryAfterSeconds} s`,
    block.retryAfterSeconds,
  );
}

function toAuthenticatedUser(user: UserRecord): AuthenticatedUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    displayName: user.displayName,
    ...(user.patientId !== undefined ? { patientId: user.patientId } : {}),
  };
}

/** Logs in with a password and resolves a bearer credential to the caller. */
@Injectable()
export class AuthService {
  private readonly logger = moduleLogger('auth');
  private readonly secret: string;
  private readonly operatorKeyDigest: Buffer | undefined;
  private readonly ttlSeconds: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleRepository,
  ) {
    this.ttlSeconds = config.auth.tokenTtlSeconds;
    this.operatorKeyDigest = config.auth.operatorApiKey ? digest(config.auth.operatorApiKey) : undefined;
    if (config.auth.jwtSecret) {
      this.secret = config.auth.jwtSecret;
    } else {
      // Production refuses to start without a secret (app-config.ts); elsewhere tokens die with the process.
      this.secret = randomBytes(32).toString('base64url');
      this.logger.warn({}, 'OSTEON_JWT_SECRET is unset: signing tokens with a random per-process key; they end with this process');
    }
  }

  /**
   * A locked account or address is refused before the password is checked (429 with Retry-After);
   * every failure counts against both and is audited with the address it came from.
   */
  async login(username: string, password: string, address: string): Promise<LoginResult> {
    const blocked = await this.throttle.blocked(username, address);
    if (blocked) {
      await this.recordFailure(username, address, undefined, `locked-${blocked.scope}`);
      throw tooManyAttempts(blocked);
    }
    const user = await this.users.findByUsername(username);
    // Checked against a dummy hash too, so an unknown name takes as long as a wrong password.
    const passwordOk = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (!user || !passwordOk || user.disabled) {
      const reason = !user ? 'unknown' : !passwordOk ? 'password' : 'disabled';
      this.logger.info({ userId: user?.id, reason }, 'login refused');
      const locked = await this.throttle.fail(username, address);
      await this.recordFailure(username, address, user?.id, reason);
      if (locked) throw tooManyAttempts(locked);
      throw new AuthException(AuthErrorCode.InvalidCredentials, 'invalid username or password');
    }
    await this.throttle.succeeded(username);
    const accessToken = await signAccessToken({ sub: user.id, role: user.role, username: user.username }, this.secret, this.ttlSeconds);
    await this.audit.record({ actor: toAuthenticatedUser(user), action: 'auth.login', resourceType: 'user', resourceId: user.id });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.ttlSeconds, role: user.role };
  }

  private async recordFailure(username: string, address: string, userId: string | undefined, reason: string): Promise<void> {
    await this.audit.record({
      actor: { id: userId ?? 'anonymous', username, role: 'anonymous' },
      action: 'auth.login.failed',
      resourceType: 'user',
      resourceId: userId ?? username,
      details: { reason, address },
    });
  }

  /** From an `Authorization` header value; throws 401 for anything but a valid, current credential. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedUser> {
    const match = /^Bearer +([^\s]+) *$/i.exec(authorization ?? '');
    if (!match) throw new AuthException(AuthErrorCode.CredentialRequired, 'a bearer credential is required');
    const credential = match[1] as string;
    if (this.operatorKeyDigest && timingSafeEqual(digest(credential), this.operatorKeyDigest)) return OPERATOR_API_KEY_USER;
    const verified = await verifyAccessToken(credential, this.secret);
    if (!verified.ok) {
      this.logger.debug({ reason: verified.reason }, 'token refused');
      throw new AuthException(AuthErrorCode.InvalidToken, 'invalid or expired token');
    }
    // The stored user decides: a disabled account or a changed role takes effect at once.
    const user = await this.users.findById(verified.claims.sub);
    if (!user || user.disabled) throw new AuthException(AuthErrorCode.InvalidToken, 'invalid or expired token');
    return toAuthenticatedUser(user);
  }
}
