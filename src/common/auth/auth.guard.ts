import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../errors/app-error';
import { ALLOW_SERVICE, AUTH_FAILURE, AuthFailure, IS_PUBLIC, ROLES_KEY } from './auth.decorators';
import { Authenticator } from './authenticator';
import { credentialsFromHeaders } from './credentials';
import type { Principal, Role, ServicePrincipal } from './principal';
import { ServiceKeyVerifier } from './service-key';

export type AuthenticatedRequest = Request & { principal?: Principal };

const SERVICE: ServicePrincipal = Object.freeze({ kind: 'service' });

/**
 * The global guard (APP_GUARD): a route without a decorator needs a signed-in
 * user; `@Public()` needs nothing (a bad credential there is ignored, not an
 * error); `@Roles()` restricts users by role; `@AllowService()` also admits the
 * `X-API-Key` service principal. User credentials win over the service key.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly serviceKey: ServiceKeyVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Sockets authenticate in their handshake middleware; this guard is for HTTP.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = credentialsFromHeaders(request.headers);

    let principal: Principal | undefined;
    try {
      if (presented.accessToken || presented.sessionToken) {
        principal = await this.authenticator.authenticate(presented);
      } else if (presented.apiKey !== undefined) {
        if (!this.serviceKey.matches(presented.apiKey)) throw new AppError('UNAUTHORIZED', 'Invalid API key');
        principal = SERVICE;
      }
    } catch (error) {
      if (isPublic) return true;
      throw this.failure(targets, error);
    }
    if (principal) request.principal = principal;
    if (isPublic) return true;
    if (!principal) throw this.failure(targets, new AppError('UNAUTHORIZED'));

    if (principal.kind === 'service') {
      if (this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_SERVICE, targets)) return true;
      throw new AppError('PERMISSION_DENIED', 'Not available to services');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) throw new AppError('PERMISSION_DENIED');
    return true;
  }

  private failure(targets: Parameters<Reflector['getAllAndOverride']>[1], error: unknown): unknown {
    const override = this.reflector.getAllAndOverride<AuthFailure | undefined>(AUTH_FAILURE, targets);
    if (!override || !(error instanceof AppError) || error.code === 'TOKEN_EXPIRED') return error;
    return new AppError(override.code, override.message);
  }
}
