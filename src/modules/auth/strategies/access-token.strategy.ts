import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { APP_PASSPORT, AppPassport, AUTH_STRATEGIES } from '../../../common/auth/auth-strategies';
import { Authenticator } from '../../../common/auth/authenticator';
import { credentialsFromHeaders } from '../../../common/auth/credentials';
import { outcomeOf, StrategyOutcome } from './credential-outcome';
import { RequestStrategy } from './request.strategy';

/**
 * `Authorization: Bearer <access JWT>`, checked by the Authenticator like a socket's:
 * signature, algorithm and expiry by AccessTokens (which remembers the tokens it
 * verified, so a client's next requests skip the HMAC and the decoding), then the
 * session the token names.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(RequestStrategy, AUTH_STRATEGIES.accessToken) {
  constructor(
    private readonly authenticator: Authenticator,
    @Inject(APP_PASSPORT) passport: AppPassport,
  ) {
    super();
    passport.use(AUTH_STRATEGIES.accessToken, this);
  }

  validate(request: Request): Promise<StrategyOutcome> {
    const { accessToken } = credentialsFromHeaders(request.headers);
    if (accessToken === undefined) return Promise.resolve([false, undefined]);
    return outcomeOf(() => this.authenticator.authenticate({ accessToken }));
  }
}
