import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { APP_PASSPORT, AppPassport, AuthStrategy, strategiesFor } from './auth-strategies';
import { ALLOW_SERVICE, AUTH_FAILURE, AuthFailure, IS_PUBLIC, ROLES_KEY } from './auth.decorators';
import { credentialsFromHeaders } from './credentials';
import type { Principal, Role } from './principal';

export type AuthenticatedRequest = Request & { user?: Principal };

type Targets = Parameters<Reflector['getAllAndOverride']>[1];

/**
 * The global guard (APP_GUARD), on passport: the access-token, session-token
 * and service-key strategies (the first two delegating to the one
 * Authenticator the sockets use) put the principal in `req.user`. Like
 * `@nestjs/passport`'s AuthGuard, but on the application's own Passport
 * instance (see AUTH_STRATEGIES). A route without a decorator
 * needs a signed-in user; `@Public()` needs nothing (a bad credential there is
 * ignored, not an error); `@Roles()` restricts users by role; `@AllowService()`
 * also admits the `X-API-Key` service principal.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_PASSPORT) private readonly passport: AppPassport,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Sockets authenticate in their handshake middleware; this guard is for HTTP.
    if (context.getType() !== 'http') return true;
    const targets: Targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const strategies = strategiesFor(credentialsFromHeaders(request.headers));
    // No credential at all (a login, a refresh, a probe): passport has nothing to try.
    if (strategies.length === 0) {
      if (isPublic) return true;
      throw this.failure(targets, new AppError('UNAUTHORIZED'));
    }
    let principal: Principal | Refused;
    try {
      principal = await this.authenticate(request, http.getResponse<Response>(), strategies);
    } catch (error) {
      if (isPublic) return true;
      throw this.failure(targets, error);
    }
    if (principal instanceof Refused) {
      // A public route ignores a bad credential: no error (and no stack trace) is made for it.
      if (isPublic) return true;
      throw this.failure(targets, refusalOf(principal.info));
    }
    request.user = principal;
    if (isPublic) return true;

    if (principal.kind === 'service') {
      if (this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_SERVICE, targets)) return true;
      throw new AppError('PERMISSION_DENIED', 'Not available to services');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) throw new AppError('PERMISSION_DENIED');
    return true;
  }

  /** Passport's verdict: the principal, or what the strategies said when none accepted a credential. */
  private authenticate(request: Request, response: Response, strategies: AuthStrategy[]): Promise<Principal | Refused> {
    return new Promise((resolve, reject) => {
      const verdict = (error: unknown, principal: Principal | false, info: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error('Authentication failed', { cause: error }));
        else if (!principal) resolve(new Refused(info));
        else resolve(principal);
      };
      const middleware = this.passport.authenticate(strategies, { session: false }, verdict) as (
        request: Request,
        response: Response,
        next: (error: Error) => void,
      ) => void;
      middleware(request, response, reject);
    });
  }

  /** Routes with their own failure answer (`@OnAuthFailure`) keep TOKEN_EXPIRED, so clients know to refresh. */
  private failure(targets: Targets, error: unknown): unknown {
    const override = this.reflector.getAllAndOverride<AuthFailure | undefined>(AUTH_FAILURE, targets);
    if (!override || !(error instanceof AppError) || error.code === 'TOKEN_EXPIRED') return error;
    return new AppError(override.code, override.message);
  }
}

/** No strategy accepted the credentials; `info` holds their reasons (see refusalOf). */
class Refused {
  constructor(readonly info: unknown) {}
}

/**
 * `info` is one reason per strategy tried: an AppError from ours (jsonwebtoken's
 * own errors are mapped too, should a strategy pass one on), nothing for a
 * credential that was not presented.
 */
function refusalOf(info: unknown): AppError {
  for (const reason of Array.isArray(info) ? info : [info]) {
    if (reason instanceof AppError) return reason;
    if (reason instanceof Error && reason.name === 'TokenExpiredError') return new AppError('TOKEN_EXPIRED');
    if (reason instanceof Error && (reason.name === 'JsonWebTokenError' || reason.name === 'NotBeforeError')) return new AppError('UNAUTHORIZED');
  }
  return new AppError('UNAUTHORIZED');
}
