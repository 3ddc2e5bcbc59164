import type { Authenticator as PassportAuthenticator } from 'passport';
import type { PresentedCredentials } from './credentials';

/**
 * The passport strategies the HTTP guard tries, in order: the first that
 * recognises its credential decides, so a user credential wins over the
 * service key. The auth module registers them with the application's own
 * `Passport` instance (passport's default one is process-wide, and would mix
 * the strategies of two applications living in one process).
 */
export const AUTH_STRATEGIES = {
  accessToken: 'access-token',
  sessionToken: 'session-token',
  serviceKey: 'service-key',
} as const;

export type AuthStrategy = (typeof AUTH_STRATEGIES)[keyof typeof AUTH_STRATEGIES];

/**
 * The strategies for the credentials a request presents, in that order. A strategy
 * whose credential is absent could only fail, with no reason to report: passport is
 * not made to try it (for a service-key request, the bearer strategy's failure was
 * about 5 % of the request's CPU).
 */
export function strategiesFor({ accessToken, sessionToken, apiKey }: PresentedCredentials): AuthStrategy[] {
  const strategies: AuthStrategy[] = [];
  if (accessToken !== undefined) strategies.push(AUTH_STRATEGIES.accessToken);
  if (sessionToken !== undefined) strategies.push(AUTH_STRATEGIES.sessionToken);
  if (apiKey !== undefined) strategies.push(AUTH_STRATEGIES.serviceKey);
  return strategies;
}

/** The application's own Passport instance: its DI token and its type. */
export const APP_PASSPORT = Symbol('APP_PASSPORT');
export type AppPassport = PassportAuthenticator;
