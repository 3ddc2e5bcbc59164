import type { Authenticator as PassportAuthenticator } from 'passport';

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

export const AUTH_STRATEGY_ORDER = [AUTH_STRATEGIES.accessToken, AUTH_STRATEGIES.sessionToken, AUTH_STRATEGIES.serviceKey];

/** The application's own Passport instance: its DI token and its type. */
export const APP_PASSPORT = Symbol('APP_PASSPORT');
export type AppPassport = PassportAuthenticator;
