import { ensureBuilt } from '../utils/cluster';
import { eventually } from '../utils/eventually';
import { startBuiltService, SpawnedProcess } from '../utils/processes';

jest.setTimeout(120_000);

interface AccessLine {
  msg: string;
  req: { id: string; method: string; path: string };
  res: { statusCode: number };
}

/**
 * The access log as the built service writes it to stdout: one JSON line per request with the request's id,
 * including requests refused before any route ran, and never a credential or a query string.
 */
describe('the access log', () => {
  let service: SpawnedProcess & { url: string };
  const accessLines = () =>
    service
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AccessLine & Record<string, unknown>)
      .filter((line) => line.req !== undefined && line.res !== undefined);
  const lineFor = (id: string) => accessLines().find((line) => line.req.id === id);

  beforeAll(async () => {
    await ensureBuilt();
    service = await startBuiltService({ LOG_LEVEL: 'info', MONGODB_DB: `access_log_${Date.now().toString(36)}` });
  });
  afterAll(() => service?.kill());

  it('logs each request once with its id, method, path and status', async () => {
    const res = await fetch(`${service.url}/api/users?token=secret-in-query`, {
      headers: { Authorization: 'Bearer not-a-real-token', 'X-Request-Id': 'trace-access-1' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('trace-access-1');

    await eventually(() => Promise.resolve(expect(lineFor('trace-access-1')).toBeDefined()));
    expect(lineFor('trace-access-1')).toMatchObject({ req: { method: 'GET', path: '/api/users' }, res: { statusCode: 401 } });
    expect(accessLines().filter((line) => line.req.id === 'trace-access-1')).toHaveLength(1);
    expect(service.stdout()).not.toContain('not-a-real-token');
    expect(service.stdout()).not.toContain('secret-in-query');
  });

  it('logs a body refused before any route ran, under the id its answer carries', async () => {
    const res = await fetch(`${service.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":' });
    expect(res.status).toBe(400);
    const id = res.headers.get('x-request-id');
    expect(id).toEqual(expect.any(String));

    await eventually(() => Promise.resolve(expect(lineFor(id!)).toMatchObject({ req: { method: 'POST', path: '/auth/login' }, res: { statusCode: 400 } })));
  });

  it('leaves out health probes', async () => {
    const res = await fetch(`${service.url}/health`, { headers: { 'X-Request-Id': 'trace-probe' } });
    expect(res.status).toBe(200);
    await fetch(`${service.url}/health/live`, { headers: { 'X-Request-Id': 'trace-after-probe' } });
    // An unrelated later request is logged, so the probe had its chance.
    const later = await fetch(`${service.url}/api/nothing-here`, { headers: { 'X-Request-Id': 'trace-later' } });
    expect(later.status).toBe(404);
    await eventually(() => Promise.resolve(expect(lineFor('trace-later')).toBeDefined()));
    expect(lineFor('trace-probe')).toBeUndefined();
    expect(lineFor('trace-after-probe')).toBeUndefined();
  });
});
