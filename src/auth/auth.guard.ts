import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { PUBLIC_KEY, ROLES_KEY } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import type { Role } from '../access/role';
import { AuthService } from './auth.service';

type Access = { kind: 'public' } | { kind: 'roles'; roles: readonly Role[] } | { kind: 'undeclared' };

/** Global (APP_GUARD): every controller route is denied unless it says who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const access = this.accessOf(context);
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
    const user = await this.auth.authenticate(request.headers.authorization);
    request.user = user;
    if (access.kind === 'undeclared') throw new ForbiddenException('this route declares no roles');
    const readOnly = request.method === 'GET' || request.method === 'HEAD';
    if (access.roles.includes(user.role) || (user.role === 'operator' && readOnly)) return true;
    throw new ForbiddenException(`role ${user.role} may not do this`);
  }

  /** The method's own declaration wins over its class's. */
  private accessOf(context: ExecutionContext): Access {
    for (const target of [context.getHandler(), context.getClass()]) {
      if (this.reflector.get<boolean | undefined>(PUBLIC_KEY, target)) return { kind: 'public' };
      const roles = this.reflector.get<Role[] | undefined>(ROLES_KEY, target);
      if (roles && roles.length > 0) return { kind: 'roles', roles };
    }
    return { kind: 'undeclared' };
  }
}
