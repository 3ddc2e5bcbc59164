import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { AppError } from '../errors/app-error';
import type { ErrorCode } from '../errors/error-codes';
import type { Principal, Role, UserPrincipal } from './principal';

export const IS_PUBLIC = 'auth:public';
export const ROLES_KEY = 'auth:roles';
export const ALLOW_SERVICE = 'auth:allow-service';
export const AUTH_FAILURE = 'auth:failure';

/** No credential needed. Without any decorator a route requires a signed-in user. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only users holding one of these roles (a service key is not enough unless @AllowService()). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Also accepts the `X-API-Key` service principal. */
export const AllowService = () => SetMetadata(ALLOW_SERVICE, true);

export interface AuthFailure {
  code: ErrorCode;
  message: string;
}

/**
 * The error a route answers when no valid credential was presented (routes
 * whose clients expect another answer set it: `GET /auth/user` says 403 `Incorrect token`). An
 * expired token still answers TOKEN_EXPIRED, so clients know to refresh.
 */
export const OnAuthFailure = (code: ErrorCode, message: string) => SetMetadata(AUTH_FAILURE, { code, message } satisfies AuthFailure);

/** The authenticated principal the guard put on the request (`req.user`). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined => context.switchToHttp().getRequest<{ user?: Principal }>().user,
);

/** The signed-in user of a route that admits only users (the default): never a service principal. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
  if (principal?.kind !== 'user') throw new AppError('UNAUTHORIZED');
  return principal;
});
