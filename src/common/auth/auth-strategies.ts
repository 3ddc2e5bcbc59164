/**
 * The passport strategies the HTTP guard tries, in order: the first that
 * recognises its credential decides, so a user credential wins over the
 * service key. The auth module registers them.
 */
export const AUTH_STRATEGIES = {
  accessToken: 'access-token',
  sessionToken: 'session-token',
  serviceKey: 'service-key',
} as const;
