import { EventEmitter2 } from '@nestjs/event-emitter';
import { AUTH_EVENTS } from '../../src/modules/auth/auth.events';
import { THROTTLE_EVENTS } from '../../src/common/throttling/throttling.events';
import { DEFAULT_PASSWORD, loginAs, registerUser } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const result = await run();
  return [result, Number(process.hrtime.bigint() - start) / 1e6];
}

describe('per-username login lockout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ LOGIN_LOCKOUT_ATTEMPTS: '5', LOGIN_LOCKOUT_WINDOW_S: '900', LOGIN_LOCKOUT_DURATION_S: '900' });
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  const login = (username: string, password: string) => t.http().post('/auth/login').send({ username, password });

  it('locks an existing and an unknown username alike after 5 failures: 429 with Retry-After, even for the right password', async () => {
    const { user } = await registerUser(t, { username: 'target' });
    const failed: string[] = [];
    const emitter = t.app.get(EventEmitter2);
    const onFailed = (event: { reason: string }) => failed.push(event.reason);
    emitter.on(AUTH_EVENTS.loginFailed, onFailed);
    try {
      const wrongTimes: Record<string, number[]> = { existing: [], unknown: [] };
      for (let i = 0; i < 5; i += 1) {
        const [existing, existingMs] = await timed(() => login('target', 'Wr0ng!pass'));
        const [unknown, unknownMs] = await timed(() => login('ghost_user', 'Wr0ng!pass'));
        expect([existing.status, unknown.status]).toEqual([403, 403]);
        expect(unknown.body.message).toBe(existing.body.message);
        wrongTimes.existing.push(existingMs);
        wrongTimes.unknown.push(unknownMs);
      }
      // Both pay one bcrypt compare: no username oracle by timing.
      const ratio = median(wrongTimes.existing) / median(wrongTimes.unknown);
      expect(ratio).toBeGreaterThan(0.33);
      expect(ratio).toBeLessThan(3);

      const [locked, lockedMs] = await timed(() => login(user.username, DEFAULT_PASSWORD));
      const [lockedGhost, lockedGhostMs] = await timed(() => login('GHOST_USER', DEFAULT_PASSWORD));
      for (const res of [locked, lockedGhost]) {
        expect(res.status).toBe(429);
        expect(res.body).toMatchObject({
          success: false,
          statusCode: 429,
          error_code: 'RATE_LIMITED',
          message: 'Too many failed login attempts; try again later',
        });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(890);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
      }
      // Refused before any bcrypt work: cheaper than one failed attempt.
      expect(Math.max(lockedMs, lockedGhostMs)).toBeLessThan(median(wrongTimes.unknown));
      expect(failed).toEqual([...Array(10).fill('bad_credentials'), 'locked', 'locked']);
      expect(await t.connection.collection('sessions').countDocuments()).toBe(0);
      // Other names are not affected.
      await loginAs(t);
    } finally {
      emitter.off(AUTH_EVENTS.loginFailed, onFailed);
    }
  });

  it('forgets failures after a successful login', async () => {
    const { user } = await registerUser(t);
    for (let i = 0; i < 4; i += 1) await login(user.username, 'Wr0ng!pass').expect(403);
    await login(user.username, DEFAULT_PASSWORD).expect(200);
    for (let i = 0; i < 4; i += 1) await login(user.username, 'Wr0ng!pass').expect(403);
    await login(user.username, DEFAULT_PASSWORD).expect(200);
  });
});

describe('per-IP rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ THROTTLE_LIMIT: '12', AUTH_THROTTLE_LIMIT: '3', THROTTLE_TTL_S: '60' });
  });
  afterAll(() => t.close());

  it('applies the stricter limit to credential routes and the default one everywhere, with 429 RATE_LIMITED and Retry-After', async () => {
    const refused: string[] = [];
    t.app.get(EventEmitter2).on(THROTTLE_EVENTS.refused, (event: { path: string }) => refused.push(event.path));

    await t.http().post('/auth/login').send({}).expect(400);
    await t.http().post('/auth/refresh').send({}).expect(400);
    await t.http().post('/users').send({}).expect(400);
    const limited = await t.http().post('/api/users').send({}).expect(429);
    expect(limited.body).toMatchObject({ success: false, statusCode: 429, error_code: 'RATE_LIMITED', path: '/api/users' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.http().post('/login').send({}).expect(429);
    await t.http().post('/auth/signup').send({}).expect(429);

    // Non-credential routes still have budget left under the default limit (6 used of 12).
    for (let i = 0; i < 6; i += 1) await t.http().get('/users').expect(401);
    const global = await t.http().get('/users').expect(429);
    expect(global.body.error_code).toBe('RATE_LIMITED');
    // Health is exempt (load balancers poll it).
    await t.http().get('/health').expect(200);
    expect(refused).toEqual(['/api/users', '/login', '/auth/signup', '/users']);
  });
});
