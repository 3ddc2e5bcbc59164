import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-jwt';
import { APP_PASSPORT, AppPassport, AUTH_STRATEGIES } from '../../../common/auth/auth-strategies';
import { Authenticator } from '../../../common/auth/authenticator';
import { credentialsFromHeaders } from '../../../common/auth/credentials';
import { AppError } from '../../../common/errors/app-error';
import type { Env } from '../../../config/env.validation';
import { ACCESS_TOKEN_ALGORITHM, accessTokenKey, AccessTokenClaims, AccessTokens } from '../access-tokens.service';
import { outcomeOf, StrategyOutcome } from './credential-outcome';

/**
 * `Authorization: Bearer <access JWT>`: passport-jwt checks the signature, the
 * algorithm and the expiry with the key tokens are signed with; the session it
 * names is then checked by the Authenticator, like a socket's. A token that
 * passed those checks before (here or in a socket handshake) is remembered by
 * AccessTokens until it expires, so a client's requests after its first skip
 * the HMAC and the decoding.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, AUTH_STRATEGIES.accessToken) {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tokens: AccessTokens,
    config: ConfigService<Env, true>,
    @Inject(APP_PASSPORT) passport: AppPassport,
  ) {
    super({
      jwtFromRequest: (request: Request) => credentialsFromHeaders(request.headers).accessToken ?? null,
      // jsonwebtoken takes the KeyObject tokens are signed with; passport-jwt's typings only know strings and Buffers.
      secretOrKey: accessTokenKey(config) as unknown as Buffer,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      passReqToCallback: true,
    });
    passport.use(AUTH_STRATEGIES.accessToken, this);
  }

  override authenticate(request: Request, options?: unknown): void {
    const token = credentialsFromHeaders(request.headers).accessToken;
    const known = token === undefined ? undefined : this.tokens.remembered(token);
    if (!known) return super.authenticate(request, options);
    this.principalOf(known).then(
      (outcome) => (Array.isArray(outcome) ? this.fail(outcome[1], 401) : this.success(outcome)),
      (error: unknown) => this.error(error as Error),
    );
  }

  /** Called by passport-jwt once the token verified. */
  validate(request: Request, claims: Partial<AccessTokenClaims>): Promise<StrategyOutcome> {
    const token = credentialsFromHeaders(request.headers).accessToken;
    if (token !== undefined) this.tokens.remember(token, claims);
    return this.principalOf(claims);
  }

  private principalOf({ sub, sid }: Partial<AccessTokenClaims>): Promise<StrategyOutcome> {
    if (typeof sub !== 'string' || typeof sid !== 'string') return Promise.resolve([false, new AppError('UNAUTHORIZED')]);
    return outcomeOf(() => this.authenticator.principalOf({ sub, sid }));
  }
}
