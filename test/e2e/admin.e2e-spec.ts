import { loginAs, LoggedIn } from '../utils/auth';
import { moveClockForward } from '../utils/clock';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';

describe('admin operations and server statistics', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let user: LoggedIn;

  beforeAll(async () => {
    // The shortest sessions the service allows, so one can run out during a test.
    t = await createTestApp({ METRICS_INTERVAL_MS: '200', SESSION_TTL_S: '60' });
  });
  beforeEach(async () => {
    await t.clearDatabase();
    admin = await loginAs(t, { role: 'admin' });
    user = await loginAs(t);
  });
  afterEach(() => jest.useRealTimers());
  afterAll(() => t.close());

  const adminRoutes = [
    ['get', '/api/advanced/admin/health-check'],
    ['post', '/api/advanced/admin/cleanup'],
    ['post', '/api/advanced/admin/reset'],
  ] as const;

  it('admin routes refuse anonymous callers (401) and plain users (403)', async () => {
    for (const [method, path] of adminRoutes) {
      const anonymous = await t.http()[method](path).send({ confirm: 'RESET' }).expect(401);
      expect(anonymous.body).toMatchObject({ success: false, error_code: 'UNAUTHORIZED' });
      const plain = await t.http()[method](path).set(user.headers).send({ confirm: 'RESET' }).expect(403);
      expect(plain.body).toMatchObject({ success: false, error_code: 'PERMISSION_DENIED' });
    }
  });

  it('GET /api/advanced/admin/health-check gives the full terminus report', async () => {
    const res = await t.http().get('/api/advanced/admin/health-check').set(admin.headers).expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      error: {},
      info: {
        database: { status: 'up' },
        event_loop: { status: 'up', max_ms: 1000 },
        heap: { status: 'up', max_ratio: 0.95 },
        process: { status: 'up', pid: process.pid, node: process.version, uptime_seconds: expect.any(Number), rss_mb: expect.any(Number) },
      },
    });
  });

  it('POST /api/advanced/admin/cleanup removes expired sessions only and reports counts', async () => {
    const sessions = t.connection.collection('sessions');
    const before = await sessions.countDocuments();
    expect(before).toBe(2);
    // A minute later the plain user's session has run out; the admin signs in again.
    moveClockForward(61_000);
    admin = await loginAs(t, { role: 'admin' });
    expect(await sessions.countDocuments()).toBe(3);

    const res = await t.http().post('/api/advanced/admin/cleanup').set(admin.headers).expect(200);
    expect(res.body).toEqual({
      success: true,
      data: { operation: 'cleanup', counts: expect.objectContaining({ expired_sessions: 2, revoked_sessions: 0 }), duration_ms: expect.any(Number) },
    });
    for (const value of Object.values(res.body.data.counts)) expect(typeof value).toBe('number');
    expect(await sessions.countDocuments()).toBe(1);
    expect(await sessions.countDocuments({ user_id: admin.user.id })).toBe(1);
    expect(await t.connection.collection('users').countDocuments()).toBe(2);
    // The admin is still signed in; the expired session is refused.
    await t.http().get('/api/advanced/admin/health-check').set(admin.headers).expect(200);
    await t.http().get('/api/advanced/statistics/server').set(user.headers).expect(401);
  });

  it('POST /api/advanced/admin/reset requires {"confirm":"RESET"} exactly', async () => {
    for (const body of [
      {},
      { confirm: 'reset' },
      { confirm: 'RESET ' },
      { confirm: ['RESET'] },
      { confirm: { $eq: 'RESET' } },
      { confirm: 'RESET', extra: 1 },
    ]) {
      const res = await t.http().post('/api/advanced/admin/reset').set(admin.headers).send(body).expect(400);
      expect(res.body).toMatchObject({ success: false, error_code: 'INVALID_INPUT' });
    }
  });

  it('reset clears the metrics history and alerts, never accounts or sessions', async () => {
    const history = await eventually(async () => {
      const count = (await t.http().get('/api/metrics/history?limit=1000').expect(200)).body.data.count as number;
      expect(count).toBeGreaterThanOrEqual(2);
      return count;
    }, 5000);
    const users = await t.connection.collection('users').countDocuments();

    const resetAt = Date.now();
    const res = await t.http().post('/api/advanced/admin/reset').set(admin.headers).send({ confirm: 'RESET' }).expect(200);
    expect(res.body).toEqual({
      success: true,
      data: { operation: 'reset', counts: expect.objectContaining({ alerts: expect.any(Number) }), duration_ms: expect.any(Number) },
    });
    expect(res.body.data.counts.metrics_samples).toBeGreaterThanOrEqual(history);

    // At most the sample taken since the reset remains, and only alerts that sample raised (a busy machine can).
    expect((await t.http().get('/api/metrics/history?limit=1000').expect(200)).body.data.count).toBeLessThanOrEqual(1);
    const alerts = (await t.http().get('/api/metrics/alerts').expect(200)).body.data as { raised_at: string }[];
    expect(alerts.filter(({ raised_at }) => Date.parse(raised_at) < resetAt)).toEqual([]);
    expect(await t.connection.collection('users').countDocuments()).toBe(users);
    expect(await t.connection.collection('sessions').countDocuments()).toBe(2);
    await t.http().get('/api/advanced/admin/health-check').set(admin.headers).expect(200);
  });

  it('GET /api/advanced/statistics/server answers the seed shape for any signed-in user', async () => {
    await t.http().get('/api/advanced/statistics/server').expect(401);
    const res = await t.http().get('/api/advanced/statistics/server').set(user.headers).expect(200);
    expect(res.body).toEqual({
      total_users: 2,
      active_users: 0,
      total_channels: expect.any(Number),
      active_channels: 0,
      uptime_seconds: expect.any(Number),
      total_audio_packets: expect.any(Number),
      total_data_transferred_mb: expect.any(Number),
      system_stats: {
        cpu_usage_percent: expect.any(Number),
        memory_usage_mb: expect.any(Number),
        network_throughput_mbps: expect.any(Number),
        active_connections: 0,
      },
    });
    expect(res.body.total_channels).toBe(await t.connection.collection('channels').countDocuments());
    expect(res.body.system_stats.memory_usage_mb).toBeGreaterThan(10);
    expect(Math.abs(res.body.uptime_seconds - process.uptime())).toBeLessThan(2);
  });
});
