import { createTestApp, TestApp } from '../utils/create-test-app';

describe('error format and hostile input', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT_BYTES: '4096' });
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  const usersInDb = () => t.connection.collection('users').countDocuments();

  it('answers an unknown route with the full error shape', async () => {
    const res = await t.http().get('/no/such/route').expect(404);
    expect(res.body).toEqual({
      success: false,
      statusCode: 404,
      error_code: 'NOT_FOUND',
      message: 'Cannot GET /no/such/route',
      error: 'Cannot GET /no/such/route',
      timestamp: expect.any(Number),
      path: '/no/such/route',
      request_id: expect.any(String),
    });
    expect(Math.abs(res.body.timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(res.headers['x-request-id']).toBe(res.body.request_id);
  });

  it('keeps a well-formed incoming request id', async () => {
    const res = await t.http().get('/nowhere').set('X-Request-Id', 'trace-123').expect(404);
    expect(res.body.request_id).toBe('trace-123');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await t.http().post('/users').set('Content-Type', 'application/json').send('{"username": "a",').expect(400);
    expect(res.body).toMatchObject({ success: false, statusCode: 400, error_code: 'INVALID_INPUT' });
  });

  it('answers a JSON array or scalar body with 400', async () => {
    await t.http().post('/users').set('Content-Type', 'application/json').send('[{"username":"abc"}]').expect(400);
    await t.http().post('/users').set('Content-Type', 'application/json').send('"abc"').expect(400);
    expect(await usersInDb()).toBe(0);
  });

  it('refuses unknown fields and names them', async () => {
    const res = await t.http().post('/users').send({ username: 'mallory', password: 'Sup3r!secret', role: 'admin' }).expect(400);
    expect(res.body.details).toEqual([{ field: 'role', rule: 'whitelistValidation', message: 'property role should not exist' }]);
    expect(await usersInDb()).toBe(0);
  });

  it('refuses operator objects where strings belong', async () => {
    await t.http().post('/users').send({ username: 'mallory', password: 'Sup3r!secret' }).expect(201);
    const res = await t
      .http()
      .post('/users')
      .send({ username: { $gt: '' }, password: { $ne: null } })
      .expect(400);
    expect(res.body.error_code).toBe('INVALID_INPUT');
    expect(res.body.details.map((detail: { field: string }) => detail.field)).toEqual(expect.arrayContaining(['username', 'password']));
    expect(await usersInDb()).toBe(1);
  });

  it('refuses wrong types', async () => {
    const res = await t
      .http()
      .post('/users')
      .send({ username: ['a', 'b'], password: 12345678 })
      .expect(400);
    expect(res.body.error_code).toBe('INVALID_INPUT');
  });

  it('answers an oversized body with 413 and stores nothing', async () => {
    const res = await t
      .http()
      .post('/users')
      .send({ username: 'big', password: 'Sup3r!secret', display_name: 'x'.repeat(8000) })
      .expect(413);
    expect(res.body).toMatchObject({ success: false, statusCode: 413, error_code: 'PAYLOAD_TOO_LARGE' });
    expect(await usersInDb()).toBe(0);
  });

  it('serves allowed origins and refuses others', async () => {
    const allowed = await t.http().get('/health').set('Origin', 'http://localhost:5175').expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5175');
    const refused = await t.http().get('/health').set('Origin', 'http://evil.example').expect(403);
    expect(refused.body).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Origin not allowed by CORS' });
  });

  it('never leaks internals in an error body, a 500 included', async () => {
    const res = await t.http().get('/users/%E0%A4%A').expect(400);
    expect(JSON.stringify(res.body)).not.toMatch(/at .+\.(js|ts):\d+/);

    // A damaged record (no created_at) makes the presenter throw a TypeError: an unexpected failure.
    await t.http().post('/users').send({ username: 'viewer', password: 'Sup3r!secret' }).expect(201);
    const login = await t.http().post('/auth/login').send({ username: 'viewer', password: 'Sup3r!secret' }).expect(200);
    const id = '0b7a4c52-3b7e-4a55-9d55-5a2f0d1e9c11';
    await t.connection.collection('users').insertOne({
      _id: id as never,
      username: 'damaged',
      username_key: 'damaged',
      email: null,
      email_key: `~${id}`,
      display_name: 'damaged',
      role: 'user',
      is_active: true,
    });
    const failed = await t.http().get(`/users/${id}`).set('Authorization', `Bearer ${login.body.accessToken}`).expect(500);
    expect(failed.body).toEqual({
      success: false,
      statusCode: 500,
      error_code: 'INTERNAL_ERROR',
      message: 'Internal server error',
      error: 'Internal server error',
      timestamp: expect.any(Number),
      path: `/users/${id}`,
      request_id: failed.headers['x-request-id'],
    });
    expect(failed.text).not.toMatch(/TypeError|toISOString|\.ts:|\.js:|node_modules/);
  });
});
