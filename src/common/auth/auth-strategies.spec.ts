import { AUTH_STRATEGIES, strategiesFor } from './auth-strategies';

describe('strategiesFor', () => {
  it('tries only the strategies whose credential the request presents, a user credential before the service key', () => {
    expect(strategiesFor({})).toEqual([]);
    expect(strategiesFor({ apiKey: 'k' })).toEqual([AUTH_STRATEGIES.serviceKey]);
    expect(strategiesFor({ sessionToken: 's' })).toEqual([AUTH_STRATEGIES.sessionToken]);
    expect(strategiesFor({ accessToken: 'a', sessionToken: 's', apiKey: 'k' })).toEqual([
      AUTH_STRATEGIES.accessToken,
      AUTH_STRATEGIES.sessionToken,
      AUTH_STRATEGIES.serviceKey,
    ]);
  });
});
