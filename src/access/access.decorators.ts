import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiPublic } from '../common/openapi';
import type { AuthenticatedUser } from './authenticated-user';
import type { Role } from './role';

export const PUBLIC_KEY = 'osteon:public';
export const ROLES_KEY = 'osteon:roles';

type RouteDecorator = ClassDecorator & MethodDecorator;

/** No credential needed. On a method it overrides a class-level `@Roles` (in the OpenAPI document too). */
export const Public = (): RouteDecorator => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiPublic());

/**
 * The roles allowed on a route (class or method; the method wins). The only implicit grant:
 * `operator` may call any GET route that has `@Roles`. A route with neither `@Public()` nor
 * `@Roles(...)` is refused (403) to everyone.
 */
export const Roles = (...roles: [Role, ...Role[]]): RouteDecorator => applyDecorators(SetMetadata(ROLES_KEY, roles), ApiBearerAuth());

/** The caller the guard resolved; only on routes with `@Roles` (undefined on `@Public()` ones). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
