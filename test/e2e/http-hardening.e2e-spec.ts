import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { DEFAULT_PASSWORD, registerUser } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';

const ORIGIN = 'http://localhost:5175';

/** Sum of `realtime_http_requests_total` samples with this status, from the real /metrics endpoint. */
async function requestsWithStatus(t: TestApp, status: number): Promise<number> {
  const text = (await t.http().get('/metrics').expect(200)).text;
  const family = parsePrometheusTextFormat(text).find((metric) => metric.name === 'realtime_http_requests_total');
  const samples = (family?.metrics ?? []) as { labels?: Record<string, string>; value?: string }[];
  return samples.filter((sample) => sample.labels?.status === String(status)).reduce((sum, sample) => sum + Number(sample.value), 0);
}

function nested(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

describe('HTTP hardening: early refusals, hygiene headers, proxy trust', () => {
  describe('early refusals (body parser, CORS) follow the error contract', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ BODY_LIMIT_BYTES: '4096' });
    });
    beforeEach(() => t.clearDatabase());
    afterAll(() => t.close());

    /** What every early refusal must carry: the error shape, its request id in body and header, CORS for an allowed origin. */
    function expectContract(
      res: { status: number; body: Record<string, unknown>; headers: Record<string, string> },
      status: number,
      code: string,
      message: string,
    ) {
      expect(res.status).toBe(status);
      expect(res.body).toEqual({
        success: false,
        statusCode: status,
        error_code: code,
        message,
        error: message,
        timestamp: expect.any(Number),
        path: '/users',
        request_id: expect.any(String),
      });
      expect(res.headers['x-request-id']).toBe(res.body.request_id);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }

    it('malformed JSON: 400 with its own message, request id, CORS headers, counted in the HTTP metrics', async () => {
      const before = await requestsWithStatus(t, 400);
      const res = await t.http().post('/users').set('Origin', ORIGIN).set('Content-Type', 'application/json').send('{"username": "a",');
      expectContract(res, 400, 'INVALID_INPUT', 'Malformed JSON body');
      expect(JSON.stringify(res.body)).not.toMatch(/Unexpected|JSON\.parse|position/);
      expect(await requestsWithStatus(t, 400)).toBe(before + 1);
    });

    it('body over the limit: 413 with request id and CORS headers, counted, nothing stored', async () => {
      const before = await requestsWithStatus(t, 413);
      const res = await t
        .http()
        .post('/users')
        .set('Origin', ORIGIN)
        .send({ username: 'big', password: DEFAULT_PASSWORD, display_name: 'x'.repeat(8000) });
      expectContract(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body larger than 4096 bytes');
      expect(await requestsWithStatus(t, 413)).toBe(before + 1);
      expect(await t.connection.collection('users').countDocuments()).toBe(0);
    });

    it('a body that is not JSON: 400 naming the content type, with request id and CORS headers', async () => {
      const res = await t.http().post('/users').set('Origin', ORIGIN).set('Content-Type', 'text/plain').send('username=eve&password=x');
      expectContract(res, 400, 'INVALID_INPUT', 'Request body must be JSON (Content-Type: application/json)');
      expect(await t.connection.collection('users').countDocuments()).toBe(0);
    });

    it('JSON nested 45,000 deep is a 400 before validation, and the service keeps answering', async () => {
      const res = await t.http().post('/users').set('Origin', ORIGIN).set('Content-Type', 'application/json').send(nested(45_000));
      // 45,000 levels exceed the 4 KB limit of this app: the limit answers first.
      expect(res.status).toBe(413);

      const roomy = await createTestApp({ BODY_LIMIT_BYTES: String(1024 * 1024) });
      try {
        const deep = await roomy.http().post('/users').set('Origin', ORIGIN).set('Content-Type', 'application/json').send(nested(45_000));
        expect(deep.status).toBe(400);
        expect(deep.body).toMatchObject({
          error_code: 'INVALID_INPUT',
          message: 'JSON nested deeper than 32 levels',
          request_id: deep.headers['x-request-id'],
        });
        const justOver = await roomy.http().post('/users').set('Content-Type', 'application/json').send(nested(33));
        expect(justOver.body.message).toBe('JSON nested deeper than 32 levels');
        // 32 levels pass the parser and reach validation, which names the field.
        const deepest = await roomy
          .http()
          .post('/users')
          .set('Content-Type', 'application/json')
          .send(`{"username":${nested(31)},"password":"x"}`);
        expect(deepest.status).toBe(400);
        expect(deepest.body.details.map((detail: { field: string }) => detail.field)).toContain('username');
        await roomy.http().get('/health').expect(200);
      } finally {
        await roomy.close();
      }
    });

    it('8,000 unknown keys give at most 20 details and a small body', async () => {
      const roomy = await createTestApp({ BODY_LIMIT_BYTES: String(1024 * 1024) });
      try {
        const body: Record<string, unknown> = { username: 'mallory', password: DEFAULT_PASSWORD };
        for (let i = 0; i < 8000; i++) body[`unknown_field_${i}`] = i;
        const res = await roomy.http().post('/users').send(body).expect(400);
        expect(res.body.details).toHaveLength(20);
        expect(res.body.details[0]).toEqual({ field: 'unknown_field_0', rule: 'whitelistValidation', message: 'property unknown_field_0 should not exist' });
        expect(res.body.message).toMatch(/; and 7980 more$/);
        expect(res.text.length).toBeLessThan(5000);
      } finally {
        await roomy.close();
      }
    });

    it('a refused origin: 403 in the error shape with a request id, counted, no CORS grant', async () => {
      const before = await requestsWithStatus(t, 403);
      const res = await t.http().get('/api/metrics/summary').set('Origin', 'http://evil.example').expect(403);
      expect(res.body).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Origin not allowed by CORS', request_id: res.headers['x-request-id'] });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.http().options('/users').set('Origin', 'http://evil.example').set('Access-Control-Request-Method', 'POST').expect(403);
      expect(preflight.body.request_id).toBe(preflight.headers['x-request-id']);
      expect(await requestsWithStatus(t, 403)).toBe(before + 2);
    });
  });

  describe('hygiene headers', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });
    beforeEach(() => t.clearDatabase());
    afterAll(() => t.close());

    it('sets helmet-style security headers on answers and errors', async () => {
      for (const res of [await t.http().get('/health').expect(200), await t.http().get('/no/such/route').expect(404)]) {
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
        });
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('answers every route that hands out tokens with Cache-Control: no-store and no ETag', async () => {
      const { user, password } = await registerUser(t);
      const login = await t.http().post('/auth/login').send({ username: user.username, password }).expect(200);
      const alias = await t.http().post('/login').send({ username: user.username, password }).expect(200);
      const byToken = await t.http().post('/auth/login').send({ token: login.body.token }).expect(200);
      const refresh = await t.http().post('/auth/refresh').send({ refreshToken: alias.body.refreshToken }).expect(200);
      const verify = await t.http().post('/auth/verify').send({ token: login.body.accessToken }).expect(200);
      const signup = await t.http().post('/auth/signup').send({ username: 'signup_user', email: 's@example.com', password: DEFAULT_PASSWORD }).expect(201);
      for (const res of [login, alias, byToken, refresh, verify, signup]) {
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers.etag).toBeUndefined();
      }
    });

    it('caches CORS preflights (Access-Control-Max-Age)', async () => {
      const res = await t
        .http()
        .options('/auth/user')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'Authorization')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(Number(res.headers['access-control-max-age'])).toBeGreaterThanOrEqual(600);
    });

    it('turns /docs off in production unless SWAGGER_ENABLED=true', async () => {
      await t.http().get('/docs-json').expect(200);
      const production = await createTestApp({ NODE_ENV: 'production', SWAGGER_ENABLED: '' });
      const enabled = await createTestApp({ NODE_ENV: 'production', SWAGGER_ENABLED: 'true' });
      try {
        await production.http().get('/docs').expect(404);
        await production.http().get('/docs-json').expect(404);
        await enabled.http().get('/docs-json').expect(200);
      } finally {
        await Promise.all([production.close(), enabled.close()]);
      }
    });
  });

  describe('client IP and TRUST_PROXY', () => {
    const spoofed = (t: TestApp, address: string) => t.http().get('/api/metrics/summary').set('X-Forwarded-For', address);

    it('by default X-Forwarded-For cannot escape the per-IP limit', async () => {
      const t = await createTestApp({ THROTTLE_LIMIT: '3' });
      try {
        const statuses = [];
        for (let i = 0; i < 6; i++) statuses.push((await spoofed(t, `203.0.113.${i + 1}`)).status);
        expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      } finally {
        await t.close();
      }
    });

    it('with TRUST_PROXY naming the proxy, each forwarded client has its own budget', async () => {
      const t = await createTestApp({ THROTTLE_LIMIT: '3', TRUST_PROXY: 'loopback' });
      try {
        for (let i = 0; i < 3; i++) await spoofed(t, '203.0.113.7').expect(200);
        await spoofed(t, '203.0.113.7').expect(429);
        await spoofed(t, '203.0.113.8').expect(200);
        // The address a login records is the forwarded client's.
        const { user, password } = await registerUser(t);
        await t.http().post('/auth/login').set('X-Forwarded-For', '198.51.100.9').send({ username: user.username, password }).expect(200);
        const session = await t.connection.collection('sessions').findOne({ user_id: user.id });
        expect(session?.ip).toBe('198.51.100.9');
      } finally {
        await t.clearDatabase();
        await t.close();
      }
    });

    it('a hop count trusts exactly that many proxies', async () => {
      const t = await createTestApp({ THROTTLE_LIMIT: '2', TRUST_PROXY: '1' });
      try {
        // One trusted hop: the client is the right-most forwarded address; what it prepended is ignored.
        await spoofed(t, '10.9.9.1, 203.0.113.50').expect(200);
        await spoofed(t, '10.9.9.2, 203.0.113.50').expect(200);
        await spoofed(t, '10.9.9.3, 203.0.113.50').expect(429);
      } finally {
        await t.close();
      }
    });

    it('refuses a TRUST_PROXY value Express would misread', async () => {
      await expect(createTestApp({ TRUST_PROXY: 'everyone' })).rejects.toThrow(/TRUST_PROXY/);
    });
  });
});
