import { createParamDecorator, SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from './authenticated-user';
import type { Role } from './role';

export const PUBLIC_KEY = 'osteon:public';
export const ROLES_KEY = 'osteon:roles';

/** No credential needed. On a method it overrides a class-level `@Roles`. */
export const Public = (): CustomDecorator<string> => SetMetadata(PUBLIC_KEY, true);

/**
 * The roles allowed on a route (class or method; the method wins). The only implicit grant:
 * `operator` may call any GET route that has `@Roles`. A route with neither `@Public()` nor
 * `@Roles(...)` is refused (403) to everyone.
 */
export const Roles = (...roles: [Role, ...Role[]]): CustomDecorator<string> => SetMetadata(ROLES_KEY, roles);

/** The caller the guard resolved; only on routes with `@Roles` (undefined on `@Public()` ones). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
