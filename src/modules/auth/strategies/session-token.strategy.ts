import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { APP_PASSPORT, AppPassport, AUTH_STRATEGIES } from '../../../common/auth/auth-strategies';
import { Authenticator } from '../../../common/auth/authenticator';
import { credentialsFromHeaders } from '../../../common/auth/credentials';
import { outcomeOf, StrategyOutcome } from './credential-outcome';
import { RequestStrategy } from './request.strategy';

/** `INSAkari-Connect-Token: <session token>`, checked by the Authenticator. */
@Injectable()
export class SessionTokenStrategy extends PassportStrategy(RequestStrategy, AUTH_STRATEGIES.sessionToken) {
  constructor(
    private readonly authenticator: Authenticator,
    @Inject(APP_PASSPORT) passport: AppPassport,
  ) {
    super();
    passport.use(AUTH_STRATEGIES.sessionToken, this);
  }

  validate(request: Request): Promise<StrategyOutcome> {
    const { sessionToken } = credentialsFromHeaders(request.headers);
    if (sessionToken === undefined) return Promise.resolve([false, undefined]);
    return outcomeOf(() => this.authenticator.authenticate({ sessionToken }));
  }
}
