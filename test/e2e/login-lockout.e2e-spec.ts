import { DEFAULT_PASSWORD, registerUser } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { postFrom } from '../utils/from-address';

/** The lockout is per (username, client address), with a higher ceiling per username from all addresses (SPEC section 4). */
describe('login lockout per client address, with a global ceiling', () => {
  let t: TestApp;
  const login = (from: string, username: string, password: string) => postFrom(from, t.url, '/auth/login', { username, password });

  beforeAll(async () => {
    t = await createTestApp({
      LOGIN_LOCKOUT_ATTEMPTS: '3',
      LOGIN_LOCKOUT_GLOBAL_ATTEMPTS: '7',
      LOGIN_LOCKOUT_WINDOW_S: '900',
      LOGIN_LOCKOUT_DURATION_S: '900',
    });
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  it("a stranger's failures lock the name for the stranger's address only: the owner still logs in from elsewhere", async () => {
    const { user } = await registerUser(t);
    for (let i = 0; i < 3; i++) expect((await login('127.0.0.2', user.username, 'Wrong!pass1')).status).toBe(403);
    const locked = await login('127.0.0.2', user.username, DEFAULT_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error_code: 'RATE_LIMITED' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);

    const owner = await login('127.0.0.3', user.username.toUpperCase(), DEFAULT_PASSWORD);
    expect(owner.status).toBe(200);
  });

  it('locks the name from every address once failures from all of them reach the global ceiling', async () => {
    const { user } = await registerUser(t);
    // 2 + 2 + 2 failures from three addresses: no address reaches its own limit of 3.
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < 2; i++) expect((await login(from, user.username, 'Wrong!pass1')).status).toBe(403);
    }
    expect((await login('127.0.0.5', user.username, DEFAULT_PASSWORD)).status).toBe(200);
    // The 7th failure (the success above reset 127.0.0.5's own count, not the global one) locks everywhere.
    expect((await login('127.0.0.5', user.username, 'Wrong!pass1')).status).toBe(403);
    const everywhere = await login('127.0.0.6', user.username, DEFAULT_PASSWORD);
    expect(everywhere.status).toBe(429);
    expect(everywhere.body).toMatchObject({ error_code: 'RATE_LIMITED' });
    expect(Number(everywhere.headers['retry-after'])).toBeGreaterThan(800);
  });
});
