import { randomInt, timingSafeEqual } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { moduleLogger } from '../common/logger';
import { AuthErrorCode, AuthException } from './auth.exception';
import type { UserView } from './user-record';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';

// No 0/O, 1/I/L: the code is read off a terminal and typed.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
// Wrong codes tolerated before the code stops working (a restart prints a new one; the local machine still may).
const MAX_WRONG_CODES = 10;

/** The audit log's actor for the one account created without a credential. */
const SETUP_ACTOR: AuthenticatedUser = Object.freeze({ id: 'first-run-setup', username: 'first-run-setup', role: 'operator' });

export interface FirstOperatorRequest {
  /** The caller's address came straight from this machine (loopback, no proxy header). */
  readonly local: boolean;
  readonly setupCode: string | undefined;
  readonly body: Record<string, unknown>;
}

function normalise(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function newSetupCode(): string {
  const characters = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)] as string);
  return `${characters.slice(0, 4).join('')}-${characters.slice(4).join('')}`;
}

/**
 * First run: while no user exists, one operator may be created without a credential, from the
 * local machine or with the setup code this process printed at start-up. Once any user exists the
 * setup is gone for good (410), whoever created that user.
 */
@Injectable()
export class FirstOperatorService implements OnApplicationBootstrap {
  private readonly logger = moduleLogger('auth');
  private setupCode: string | undefined;
  private wrongCodes = 0;
  /** Serialises concurrent attempts, so two first operators cannot both pass the "no user yet" check. */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly users: UserRepository,
    private readonly usersService: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.setupCode = (await this.users.hasAnyUser()) ? undefined : newSetupCode();
  }

  /** The code to print at start-up, while the first operator is still to be created. */
  get pendingSetupCode(): string | undefined {
    return this.setupCode;
  }

  async isNeeded(): Promise<boolean> {
    if (this.setupCode === undefined) return false;
    if (await this.users.hasAnyUser()) {
      this.setupCode = undefined;
      return false;
    }
    return true;
  }

  async create(request: FirstOperatorRequest): Promise<UserView> {
    const attempt = this.pending.then(() => this.createNow(request));
    this.pending = attempt.catch(() => undefined);
    return attempt;
  }

  private async createNow({ local, setupCode, body }: FirstOperatorRequest): Promise<UserView> {
    if (!(await this.isNeeded())) throw new AuthException(AuthErrorCode.SetupDone, 'the first operator exists: sign in instead');
    if (!local && !this.codeMatches(setupCode)) {
      this.countWrongCode(setupCode);
      throw new AuthException(AuthErrorCode.SetupCodeRequired, 'from another machine the setup code printed in the start-up log is needed');
    }
    const user = await this.usersService.create(SETUP_ACTOR, { ...body, role: 'operator' });
    this.setupCode = undefined;
    this.logger.info({ userId: user.id, local }, 'first operator created: first-run setup closed');
    return user;
  }

  private countWrongCode(given: string | undefined): void {
    if (given === undefined) return;
    this.wrongCodes += 1;
    if (this.wrongCodes === MAX_WRONG_CODES) {
      this.logger.warn({ attempts: this.wrongCodes }, 'too many wrong setup codes: the code no longer works (restart for a new one)');
    }
  }

  private codeMatches(given: string | undefined): boolean {
    if (given === undefined || this.setupCode === undefined || this.wrongCodes >= MAX_WRONG_CODES) return false;
    const expected = Buffer.from(normalise(this.setupCode));
    const actual = Buffer.from(normalise(given));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
