import { ensureBuilt } from '../utils/cluster';
import { startBuiltService, SpawnedProcess } from '../utils/processes';

jest.setTimeout(120_000);

const PASSWORD = 'Sup3r!secret';

/**
 * REDIS_URL set but Redis never reachable: the service serves from this
 * instance alone, and a SIGTERM still ends it promptly with exit 0. Its
 * shutdown steps that talk to Redis (presence, user statistics, liveness)
 * must not wait in ioredis's offline queue, whose retries outlast the
 * 10 s shutdown deadline. Built app in its own process: the exit code and
 * the real signal handling are what is checked.
 */
describe('the built service with an unreachable Redis', () => {
  let service: SpawnedProcess & { url: string };

  beforeAll(async () => {
    await ensureBuilt();
    // Port 1 on loopback refuses at once: Redis stays away for the whole test.
    service = await startBuiltService({ REDIS_URL: 'redis://127.0.0.1:1', MONGODB_DB: `redis_unreachable_${Date.now().toString(36)}` });
  });
  afterAll(() => service?.kill());

  it('serves with readiness 503 naming redis, and exits 0 within a few seconds of SIGTERM', async () => {
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });

    const username = `lonely_${Date.now().toString(36)}`;
    const post = (path: string) =>
      fetch(`${service.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
    expect((await post('/users')).status).toBe(201);
    expect((await post('/auth/login')).status).toBe(200);

    // Long enough for the periodic Redis work (heartbeats, user statistics) to have queued commands.
    await new Promise((wake) => setTimeout(wake, 6_000));
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([service.exited, new Promise<'still running'>((done) => (timer = setTimeout(() => done('still running'), 5_000)))]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
    expect(service.stderr()).not.toMatch(/shutdown did not finish|shutdown failed|Unhandled/i);
  });
});
