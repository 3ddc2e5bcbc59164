import { DEFAULT_PASSWORD, registerUser } from '../utils/auth';
import { Cluster, startCluster } from '../utils/cluster';
import { postFrom } from '../utils/from-address';

jest.setTimeout(120_000);

/** Rate limits and the login lockout count across instances: a client gains nothing by spreading its attempts (SPEC section 8). */
describe('cluster: shared rate limits and login lockout', () => {
  let cluster: Cluster;
  const login = (instance: number, from: string, username: string, password: string) =>
    postFrom(from, cluster.instances[instance].url, '/auth/login', { username, password });

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 2,
      env: { AUTH_THROTTLE_LIMIT: '6', LOGIN_LOCKOUT_ATTEMPTS: '3', LOGIN_LOCKOUT_GLOBAL_ATTEMPTS: '1000' },
    });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('locks a name for an address whose failures were spread over both instances, on both', async () => {
    const { user } = await registerUser(cluster.on(0));
    for (const instance of [0, 1, 0]) expect((await login(instance, '127.0.0.2', user.username, 'Wrong!pass1')).status).toBe(403);
    for (const instance of [1, 0]) {
      const locked = await login(instance, '127.0.0.2', user.username, DEFAULT_PASSWORD);
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ error_code: 'RATE_LIMITED' });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Another address is not locked out.
    expect((await login(1, '127.0.0.3', user.username, DEFAULT_PASSWORD)).status).toBe(200);
  });

  it('counts the credential-route limit of one address over both instances', async () => {
    for (let i = 0; i < 6; i++) expect((await login(i % 2, '127.0.0.4', `nobody_${i}`, 'Wrong!pass1')).status).toBe(403);
    for (const instance of [0, 1]) {
      const limited = await login(instance, '127.0.0.4', 'nobody_x', 'Wrong!pass1');
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error_code: 'RATE_LIMITED' });
    }
    expect((await login(0, '127.0.0.5', 'nobody_y', 'Wrong!pass1')).status).toBe(403);
  });
});
