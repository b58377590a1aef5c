import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { AuditService } from '../audit/audit.service';
import { parseInput } from '../common/invalid-input.exception';
import { AuthErrorCode, AuthException } from './auth.exception';
import { hashPassword } from './password-hash';
import { createUserSchema, firstIssue } from './user-input';
import { passwordProblem } from './password.policy';
import { toUserView, type UserRecord, type UserView } from './user-record';
import { UserRepository } from './user.repository';

/** User management; every change is audited with the operator who made it. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly audit: AuditService,
  ) {}

  async create(actor: AuthenticatedUser, input: unknown): Promise<UserView> {
    const { password, ...fields } = parseInput(createUserSchema, input, firstIssue);
    const problem = await passwordProblem(password, fields.username, fields.displayName);
    if (problem) throw new AuthException(AuthErrorCode.WeakPassword, `password ${problem}`);
    const taken = () => new AuthException(AuthErrorCode.UsernameTaken, `username ${fields.username} is taken`);
    if (await this.users.findByUsername(fields.username)) throw taken();
    // The audit record goes first: an account never exists without it (a full disk can refuse either write).
    const id = this.users.newId();
    await this.audit.record({ actor, action: 'user.create', resourceType: 'user', resourceId: id, details: { role: fields.role } });
    const created = await this.users.insertIfUsernameFree(
      { ...fields, passwordHash: await hashPassword(password), createdAt: new Date(), disabled: false },
      id,
    );
    if (!created) throw taken();
    return toUserView(created);
  }

  /**
   * The active doctor account another system names (the RIS's OBR-32, a FHIR practitioner): by an
   * external id recorded on the account, else by username. Undefined when none, or when the name is
   * ambiguous (two doctors), so a verdict is never pinned on the wrong person.
   */
  async findDoctor(names: readonly string[]): Promise<UserView | undefined> {
    const trimmed = names.map((name) => name.trim()).filter((name) => name.length > 0);
    // Usernames are stored in lower case; external ids as the other system spells them.
    const wanted = [...new Set([...trimmed, ...trimmed.map((name) => name.toLowerCase())])];
    const found = await this.users.findActiveDoctors(wanted);
    return found.length === 1 ? toUserView(found[0] as UserRecord) : undefined;
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toUserView);
  }

  async disable(actor: AuthenticatedUser, id: string): Promise<UserView> {
    const user = await this.users.setDisabled(id, true);
    if (!user) throw new AuthException(AuthErrorCode.UserNotFound, `user ${id} is not known`);
    await this.audit.record({ actor, action: 'user.disable', resourceType: 'user', resourceId: user.id });
    return toUserView(user);
  }
}
