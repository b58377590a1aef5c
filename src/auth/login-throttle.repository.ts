import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';
import { DatabaseService } from '../database/database.service';

export interface LoginBlock {
  /** What is locked: the account or the source address. */
  readonly scope: 'account' | 'address';
  readonly retryAfterSeconds: number;
}

/**
 * Failed-login counters per account and per source address, kept in MongoDB by
 * rate-limiter-flexible (collection `login_failures`), so every replica sees the same counts and a
 * restart does not reset a lockout. A counter that passes its limit blocks its key for the lockout.
 */
@Injectable()
export class LoginThrottleRepository {
  private limiters: { account: RateLimiterMongo; address: RateLimiterMongo } | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseService,
  ) {}

  /** The lock on this account or address, if either is locked now. */
  async blocked(username: string, address: string): Promise<LoginBlock | undefined> {
    const { account, address: byAddress } = this.limitersOf();
    const [accountState, addressState] = await Promise.all([account.get(accountKey(username)), byAddress.get(address)]);
    return blockOf('account', accountState, account.points) ?? blockOf('address', addressState, byAddress.points);
  }

  /** Counts one failure against both; returns the lock it caused, if any. */
  async fail(username: string, address: string): Promise<LoginBlock | undefined> {
    const { account, address: byAddress } = this.limitersOf();
    const [accountState, addressState] = await Promise.all([consume(account, accountKey(username)), consume(byAddress, address)]);
    return blockOf('account', accountState, account.points) ?? blockOf('address', addressState, byAddress.points);
  }

  /** A successful login clears the account's failures (the address keeps its count). */
  async succeeded(username: string): Promise<void> {
    await this.limitersOf().account.delete(accountKey(username));
  }

  private limitersOf(): { account: RateLimiterMongo; address: RateLimiterMongo } {
    if (!this.limiters) {
      const { accountFailures, addressFailures, windowSeconds, lockoutSeconds } = this.config.auth.login;
      const common = { storeClient: this.database.db, tableName: 'login_failures', duration: windowSeconds, blockDuration: lockoutSeconds };
      this.limiters = {
        // The library blocks on the consume that passes `points`: N allowed failures are N - 1 points.
        account: new RateLimiterMongo({ ...common, keyPrefix: 'account', points: accountFailures - 1 }),
        address: new RateLimiterMongo({ ...common, keyPrefix: 'address', points: addressFailures - 1 }),
      };
    }
    return this.limiters;
  }
}

function accountKey(username: string): string {
  return username.trim().toLowerCase();
}

/** consume() rejects with the state once the limit is passed; both are the counter's state here. */
async function consume(limiter: RateLimiterMongo, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

/** Past the limit: blocked for what is left of the lockout (the block's own expiry). */
function blockOf(scope: LoginBlock['scope'], state: RateLimiterRes | null, points: number): LoginBlock | undefined {
  if (!state || state.consumedPoints <= points) return undefined;
  return { scope, retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)) };
}
