import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal, Role } from './principal';

export const IS_PUBLIC = 'auth:public';
export const ROLES_KEY = 'auth:roles';
export const ALLOW_SERVICE = 'auth:allow-service';

/** No credential needed. Without any decorator a route requires a signed-in user. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only users holding one of these roles (a service key is not enough unless @AllowService()). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Also accepts the `X-API-Key` service principal. */
export const AllowService = () => SetMetadata(ALLOW_SERVICE, true);

/** The authenticated principal the guard put on the request. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<{ principal?: Principal }>().principal,
);
