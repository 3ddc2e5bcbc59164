import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_DATABASE } from '../../src/database/database.module';
import type { EmbeddedDatabase } from '../../src/database/embedded-database';
import { createTestApp, TestApp } from '../utils/create-test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(probe: () => Promise<T | undefined>, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

describe('readiness follows the database (own embedded FerretDB)', () => {
  let dataDir: string;
  let t: TestApp;
  let embedded: EmbeddedDatabase;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rt-ready-'));
    t = await createTestApp({ MONGODB_URI: '', DATA_DIR: dataDir, MONGODB_DB: 'ready', METRICS_INTERVAL_MS: '250' });
    embedded = t.app.get<EmbeddedDatabase>(EMBEDDED_DATABASE);
  }, 60000);
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports every readiness check while the database is up', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    const { p99_ms: p99, ...eventLoop } = res.body.info.event_loop as { p99_ms: number | null };
    expect(eventLoop).toEqual({ status: 'up', max_ms: 1000 });
    // `up` means no sample yet, or the last sample's p99 within the limit.
    expect(p99 ?? 0).toBeGreaterThanOrEqual(0);
    expect(p99 ?? 0).toBeLessThanOrEqual(1000);
    expect(res.body).toEqual({
      status: 'ok',
      info: {
        database: { status: 'up' },
        event_loop: expect.any(Object),
        heap: { status: 'up', used_mb: expect.any(Number), limit_mb: expect.any(Number), used_ratio: expect.any(Number), max_ratio: 0.95 },
      },
      error: {},
      details: expect.any(Object),
    });
    // No REDIS_URL: no Redis check.
    expect(res.body.details.redis).toBeUndefined();
  });

  it('turns 503 with a critical alert while the database is stopped, and back to 200 when it returns', async () => {
    await embedded.stop();
    try {
      // The driver notices the dead server within a ping or two.
      const down = await eventually(async () => {
        const res = await t.http().get('/health/ready');
        return res.status === 503 ? res : undefined;
      });
      expect(down.body).toMatchObject({
        success: false,
        statusCode: 503,
        error_code: 'SERVICE_UNAVAILABLE',
        status: 'error',
        error: { database: { status: 'down' } },
        info: { heap: { status: 'up' } },
      });
      await t.http().get('/health/live').expect(200);
      await t.http().get('/health').expect(200);

      const alert = await eventually(async () => {
        const res = await t.http().get('/api/metrics/alerts?component=database&active=true').expect(200);
        return res.body.data[0];
      });
      expect(alert).toMatchObject({ rule: 'database_unreachable', severity: 'critical', active: true, resolved_at: null });
      const health = (await t.http().get('/api/metrics/health').expect(200)).body.data;
      expect(health.components.database).toMatchObject({ score: 0, status: 'unhealthy', metrics: { reachable: false } });
      expect(health.overall_health_score).toBe(0);
    } finally {
      await embedded.start();
    }

    await eventually(async () => ((await t.http().get('/health/ready')).status === 200 ? true : undefined));
    const resolved = await eventually(async () => {
      const res = await t.http().get('/api/metrics/alerts?component=database').expect(200);
      return res.body.data.find((a: { active: boolean }) => !a.active);
    });
    expect(resolved).toMatchObject({ rule: 'database_unreachable', active: false, resolved_at: expect.any(String) });
    // Writes work again on the same connection.
    await t.http().post('/users').send({ username: 'after_restart', password: 'Sup3r!secret' }).expect(201);
  }, 60000);
});

describe('readiness with REDIS_URL set to an unreachable server', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Port 1 on loopback refuses at once: the check must report Redis down, not hang.
    t = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(() => t.close());

  it('is 503 naming redis', async () => {
    const res = await t.http().get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { database: { status: 'up' } } });
  });
});
