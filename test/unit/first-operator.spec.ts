import type { UserRepository } from '../../src/auth/user.repository';
import { FirstOperatorService } from '../../src/auth/first-operator.service';
import type { UsersService } from '../../src/auth/users.service';
import type { UserView } from '../../src/auth/user-record';

/** A user store in memory; `create` takes a moment, as a real insert does. */
function fakes(existingUsers = 0): { service: FirstOperatorService; created: Array<Record<string, unknown>> } {
  const created: Array<Record<string, unknown>> = [];
  let count = existingUsers;
  const users = { hasAnyUser: async () => count > 0 } as unknown as UserRepository;
  const usersService = {
    create: async (_actor: unknown, input: Record<string, unknown>): Promise<UserView> => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      created.push(input);
      count += 1;
      return { id: String(count), username: String(input.username), role: 'operator' } as UserView;
    },
  } as unknown as UsersService;
  return { service: new FirstOperatorService(users, usersService), created };
}

const body = { username: 'alice', displayName: 'Alice', password: 'plaid-otter-rowing-quietly-42' };

describe('first-run setup of the first operator', () => {
  it('offers a setup code only while no user exists', async () => {
    const fresh = fakes();
    await fresh.service.onApplicationBootstrap();
    expect(fresh.service.pendingSetupCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const used = fakes(1);
    await used.service.onApplicationBootstrap();
    expect(used.service.pendingSetupCode).toBeUndefined();
    await expect(used.service.create({ local: true, setupCode: undefined, body })).rejects.toMatchObject({ code: 'AUTH_SETUP_DONE' });
  });

  it('creates an operator whatever role the body asks for, from the local machine without a code', async () => {
    const { service, created } = fakes();
    await service.onApplicationBootstrap();
    await service.create({ local: true, setupCode: undefined, body: { ...body, role: 'doctor' } });
    expect(created).toEqual([{ ...body, role: 'operator' }]);
    expect(await service.isNeeded()).toBe(false);
  });

  it('needs the setup code from another machine, and accepts it in lower case without the dash', async () => {
    const { service, created } = fakes();
    await service.onApplicationBootstrap();
    const code = service.pendingSetupCode as string;
    await expect(service.create({ local: false, setupCode: undefined, body })).rejects.toMatchObject({ code: 'AUTH_SETUP_CODE_REQUIRED' });
    await expect(service.create({ local: false, setupCode: 'ABCD-EFGH', body })).rejects.toMatchObject({
      code: 'AUTH_SETUP_CODE_REQUIRED',
    });
    await service.create({ local: false, setupCode: code.replace('-', '').toLowerCase(), body });
    expect(created).toHaveLength(1);
  });

  it('lets exactly one of two simultaneous attempts create the first operator', async () => {
    const { service, created } = fakes();
    await service.onApplicationBootstrap();
    const results = await Promise.allSettled([
      service.create({ local: true, setupCode: undefined, body }),
      service.create({ local: true, setupCode: undefined, body: { ...body, username: 'mallory' } }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(created).toHaveLength(1);
  });

  it('stops taking the setup code after ten wrong ones (guessing), while the local machine still may', async () => {
    const { service, created } = fakes();
    await service.onApplicationBootstrap();
    const code = service.pendingSetupCode as string;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await expect(service.create({ local: false, setupCode: `WRONG-${attempt}`, body })).rejects.toMatchObject({
        code: 'AUTH_SETUP_CODE_REQUIRED',
      });
    }
    await expect(service.create({ local: false, setupCode: code, body })).rejects.toMatchObject({ code: 'AUTH_SETUP_CODE_REQUIRED' });
    await service.create({ local: true, setupCode: undefined, body });
    expect(created).toHaveLength(1);
  });
});
