import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public, Roles } from '../../src/access/access.decorators';
import type { AuthenticatedUser } from '../../src/access/authenticated-user';
import type { Role } from '../../src/access/role';
import { AuthGuard } from '../../src/auth/auth.guard';
import type { AuthService } from '../../src/auth/auth.service';

@Roles('doctor')
class DoctorsController {
  read(): void {}
  @Public()
  open(): void {}
  @Roles('admin-worker')
  upload(): void {}
}

class UndeclaredController {
  read(): void {}
}

function context(controller: new () => object, method: string, httpMethod: string, request: Record<string, unknown>): ExecutionContext {
  const handler = (controller.prototype as Record<string, () => void>)[method] as () => void;
  Object.assign(request, { method: httpMethod, headers: { authorization: 'Bearer x' } });
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function guardFor(role: Role | undefined): AuthGuard {
  const auth = {
    authenticate: async () => {
      if (!role) throw new UnauthorizedException();
      return { id: 'u1', username: 'u', role } satisfies AuthenticatedUser;
    },
  } as unknown as AuthService;
  return new AuthGuard(new Reflector(), auth);
}

describe('AuthGuard', () => {
  it('lets a listed role through and puts the caller on the request', async () => {
    const request: Record<string, unknown> = {};
    await expect(guardFor('doctor').canActivate(context(DoctorsController, 'read', 'GET', request))).resolves.toBe(true);
    expect(request.user).toMatchObject({ id: 'u1', role: 'doctor' });
  });

  it('refuses a role that is not listed with 403, and no credential with 401', async () => {
    await expect(guardFor('patient').canActivate(context(DoctorsController, 'read', 'GET', {}))).rejects.toBeInstanceOf(ForbiddenException);
    await expect(guardFor(undefined).canActivate(context(DoctorsController, 'read', 'GET', {}))).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
  });

  it('lets the operator read any declared route, but not change through one that does not list it', async () => {
    await expect(guardFor('operator').canActivate(context(DoctorsController, 'read', 'GET', {}))).resolves.toBe(true);
    await expect(guardFor('operator').canActivate(context(DoctorsController, 'upload', 'POST', {}))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
  });

  it('lets a method decorator win over its class', async () => {
    await expect(guardFor(undefined).canActivate(context(DoctorsController, 'open', 'GET', {}))).resolves.toBe(true);
    await expect(guardFor('admin-worker').canActivate(context(DoctorsController, 'upload', 'POST', {}))).resolves.toBe(true);
    await expect(guardFor('doctor').canActivate(context(DoctorsController, 'upload', 'POST', {}))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
  });

  it('denies a route that declares neither @Public nor @Roles, even to the operator', async () => {
    await expect(guardFor('operator').canActivate(context(UndeclaredController, 'read', 'GET', {}))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
  });
});
