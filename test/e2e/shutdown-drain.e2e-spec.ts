import { installShutdown } from '../../src/shutdown';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';

describe('SIGTERM drain', () => {
  let t: TestApp;
  let uninstall: () => void;
  const exit = jest.fn<void, [number]>();

  beforeAll(async () => {
    t = await createTestApp();
    uninstall = installShutdown(t.app, { drainMs: 1500, deadlineMs: 10_000, exit, log: () => undefined });
  });
  afterAll(() => uninstall());

  it('turns readiness 503 while still serving, then closes and exits 0', async () => {
    await t.http().get('/health/ready').expect(200);
    process.emit('SIGTERM');

    const draining = await t.http().get('/health/ready').expect(503);
    expect(draining.body).toMatchObject({ status: 'error', error: { shutdown: { status: 'down', message: 'draining before shutdown' } } });
    await t.http().get('/health/live').expect(200);
    await t.http().get('/health').expect(200, 'OK');
    expect(exit).not.toHaveBeenCalled();

    await eventually(() => Promise.resolve(expect(exit).toHaveBeenCalledWith(0)), 10_000);
    await expect(fetch(`${t.url}/health`)).rejects.toThrow();
  });
});
