import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { APP_PASSPORT, AppPassport, AUTH_STRATEGIES } from '../../../common/auth/auth-strategies';
import { credentialsFromHeaders } from '../../../common/auth/credentials';
import type { ServicePrincipal } from '../../../common/auth/principal';
import { ServiceKeyVerifier } from '../../../common/auth/service-key';
import { AppError } from '../../../common/errors/app-error';
import type { StrategyOutcome } from './credential-outcome';
import { RequestStrategy } from './request.strategy';

const SERVICE: ServicePrincipal = Object.freeze({ kind: 'service' });

/** `X-API-Key: <SERVICE_API_KEY>`: the service principal of other back-end services. */
@Injectable()
export class ServiceKeyStrategy extends PassportStrategy(RequestStrategy, AUTH_STRATEGIES.serviceKey) {
  constructor(
    private readonly serviceKey: ServiceKeyVerifier,
    @Inject(APP_PASSPORT) passport: AppPassport,
  ) {
    super();
    passport.use(AUTH_STRATEGIES.serviceKey, this);
  }

  validate(request: Request): StrategyOutcome {
    const { apiKey } = credentialsFromHeaders(request.headers);
    if (apiKey === undefined) return [false, undefined];
    return this.serviceKey.matches(apiKey) ? SERVICE : [false, new AppError('UNAUTHORIZED', 'Invalid API key')];
  }
}
