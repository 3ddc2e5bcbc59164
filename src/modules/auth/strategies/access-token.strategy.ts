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
import { ACCESS_TOKEN_ALGORITHM, accessTokenKey, AccessTokenClaims } from '../access-tokens.service';
import { outcomeOf, StrategyOutcome } from './credential-outcome';

/**
 * `Authorization: Bearer <access JWT>`: passport-jwt checks the signature,
 * the algorithm and the expiry with the key tokens are signed with; the
 * session it names is then checked by the Authenticator, like a socket's.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, AUTH_STRATEGIES.accessToken) {
  constructor(
    private readonly authenticator: Authenticator,
    config: ConfigService<Env, true>,
    @Inject(APP_PASSPORT) passport: AppPassport,
  ) {
    super({
      jwtFromRequest: (request: Request) => credentialsFromHeaders(request.headers).accessToken ?? null,
      // jsonwebtoken takes the KeyObject tokens are signed with; passport-jwt's typings only know strings and Buffers.
      secretOrKey: accessTokenKey(config) as unknown as Buffer,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
    });
    passport.use(AUTH_STRATEGIES.accessToken, this);
  }

  validate(claims: Partial<AccessTokenClaims>): Promise<StrategyOutcome> {
    const { sub, sid } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string') return Promise.resolve([false, new AppError('UNAUTHORIZED')]);
    return outcomeOf(() => this.authenticator.principalOf({ sub, sid }));
  }
}
