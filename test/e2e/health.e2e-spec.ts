import { createTestApp, TestApp } from '../utils/create-test-app';

describe('health and OpenAPI', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health answers plain OK', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.text).toBe('OK');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('stays public: a bad credential on it is ignored, not refused', async () => {
    await t.http().get('/health').set('Authorization', 'Bearer not.a.jwt').expect(200);
    await t.http().get('/health').set('X-API-Key', 'wrong-key-wrong-key').expect(200);
  });

  it('GET /health/live and /health/ready answer terminus reports', async () => {
    expect((await t.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('serves the OpenAPI document generated from the routes and DTOs', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/users', '/users/{id}', '/users/{id}/score', '/api/users']));
    expect(res.body.components.schemas.CreateUserDto.required).toEqual(expect.arrayContaining(['username', 'password']));
    await t.http().get('/docs').expect(200);
  });
});
