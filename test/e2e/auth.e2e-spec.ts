import { createHash } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { AUTH_EVENTS, SessionRevokedEvent } from '../../src/modules/auth/auth.events';
import { USER_EVENTS } from '../../src/modules/users/users.events';
import { DEFAULT_PASSWORD, loginAs, registerUser, SERVICE_KEY_HEADERS } from '../utils/auth';
import { moveClockForward } from '../utils/clock';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

describe('auth (session tokens, JWT pair, /login alias)', () => {
  let t: TestApp;
  let revoked: SessionRevokedEvent[];

  beforeAll(async () => {
    t = await createTestApp();
    t.app.get(EventEmitter2).on(AUTH_EVENTS.sessionRevoked, (event: SessionRevokedEvent) => revoked.push(event));
  });
  beforeEach(async () => {
    revoked = [];
    await t.clearDatabase();
  });
  afterAll(() => t.close());

  const users = () => t.connection.collection('users');
  const sessions = () => t.connection.collection('sessions');
  const signup = (body: Record<string, unknown>) => t.http().post('/auth/signup').send(body);
  const login = (body: Record<string, unknown>) => t.http().post('/auth/login').send(body);

  describe('POST /auth/signup', () => {
    it('creates the account and answers {user}', async () => {
      const res = await signup({ username: 'Alice', email: 'alice@example.com', password: DEFAULT_PASSWORD }).expect(201);
      expect(res.body).toEqual({
        user: {
          id: expect.stringMatching(UUID),
          username: 'Alice',
          email: 'alice@example.com',
          display_name: 'Alice',
          score: 0,
          role: 'user',
          is_active: true,
          created_at: expect.stringMatching(ISO),
          last_login: null,
        },
      });
      const stored = await users().findOne({ _id: res.body.user.id });
      expect(stored?.password_hash).toMatch(/^\$2b\$10\$/);
    });

    it.each([
      ['minLength', 'Ab1!xyz'],
      ['lowercase', 'ABCDEF1!'],
      ['uppercase', 'abcdef1!'],
      ['digit', 'Abcdefg!'],
      ['special', 'Abcdefg1'],
      ['maxBytes', `Ab1!${'é'.repeat(35)}`],
    ])('names the failed password rule %s alone', async (rule, password) => {
      const res = await signup({ username: 'bob', email: 'bob@example.com', password }).expect(400);
      expect(res.body.details).toEqual([{ field: 'password', rule: `password.${rule}`, message: expect.any(String) }]);
      expect(await users().countDocuments()).toBe(0);
    });

    it.each([
      [{ username: 'bob', password: DEFAULT_PASSWORD }, 'email'],
      [{ username: 'bob', email: 'nope', password: DEFAULT_PASSWORD }, 'email'],
      [{ email: 'bob@example.com', password: DEFAULT_PASSWORD }, 'username'],
      [{ username: 'bob', email: 'bob@example.com' }, 'password'],
      [{ username: 'bob', email: 'bob@example.com', password: DEFAULT_PASSWORD, role: 'admin' }, 'role'],
      [{ username: { $gt: '' }, email: 'bob@example.com', password: DEFAULT_PASSWORD }, 'username'],
    ])('refuses %j', async (body, field) => {
      const res = await signup(body).expect(400);
      expect(res.body.error_code).toBe('INVALID_INPUT');
      expect(res.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
      expect(await users().countDocuments()).toBe(0);
    });

    it('answers 409 "Username/Email not available" for a taken username or email', async () => {
      await signup({ username: 'carol', email: 'carol@example.com', password: DEFAULT_PASSWORD }).expect(201);
      const name = await signup({ username: 'CAROL', email: 'other@example.com', password: DEFAULT_PASSWORD }).expect(409);
      expect(name.body).toMatchObject({ statusCode: 409, error_code: 'USERNAME_TAKEN', message: 'Username not available' });
      const email = await signup({ username: 'carol2', email: 'Carol@Example.com', password: DEFAULT_PASSWORD }).expect(409);
      expect(email.body).toMatchObject({ statusCode: 409, error_code: 'EMAIL_TAKEN', message: 'Email not available' });
      expect(await users().countDocuments()).toBe(1);
    });
  });

  describe('POST /auth/login and /login', () => {
    it('opens a session: session token, access JWT, refresh token, public user; stores only hashes', async () => {
      const { user } = await registerUser(t, { username: 'dave' });
      const before = Date.now();
      const res = await login({ username: 'DAVE', password: DEFAULT_PASSWORD }).set('User-Agent', 'jest-agent').expect(200);
      expect(res.body).toEqual({
        token: expect.stringMatching(UUID),
        accessToken: expect.stringMatching(JWT),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { ...user, last_login: expect.stringMatching(ISO) },
      });
      expect(Date.parse(res.body.user.last_login)).toBeGreaterThanOrEqual(before - 1000);

      const claims = claimsOf(res.body.accessToken);
      const [session] = await sessions().find({}).toArray();
      expect(claims).toEqual({ sub: user.id, sid: session._id, username: 'dave', role: 'user', iat: expect.any(Number), exp: claims.iat + 900 });
      expect(session).toMatchObject({
        user_id: user.id,
        token_hash: sha256(res.body.token),
        refresh_hash: sha256(res.body.refreshToken),
        user_agent: 'jest-agent',
        ip: expect.stringMatching(/127\.0\.0\.1/),
        revoked_at: null,
      });
      expect(session.expires_at.getTime() - session.created_at.getTime()).toBe(30 * 86400 * 1000);
      const stored = JSON.stringify(session);
      expect(stored).not.toContain(res.body.token);
      expect(stored).not.toContain(res.body.refreshToken);
      expect((await users().findOne({ _id: user.id as never }))?.last_login).toEqual(new Date(res.body.user.last_login));
    });

    it('serves older clients on the /login alias', async () => {
      const { user } = await registerUser(t);
      const res = await t.http().post('/login').send({ username: user.username, password: DEFAULT_PASSWORD }).expect(200);
      expect(res.body.user.id).toBe(user.id);
    });

    it('answers 403 "Invalid username or password" alike for a wrong password and an unknown user', async () => {
      const { user } = await registerUser(t);
      const wrong = await login({ username: user.username, password: 'Wr0ng!pass' }).expect(403);
      const unknown = await login({ username: 'nobody_here', password: 'Wr0ng!pass' }).expect(403);
      for (const res of [wrong, unknown]) {
        expect(res.body).toMatchObject({ success: false, statusCode: 403, error_code: 'PERMISSION_DENIED', message: 'Invalid username or password' });
      }
      expect(await sessions().countDocuments()).toBe(0);
    });

    it('refuses an account without a password and a deactivated one', async () => {
      const passwordless = await t.http().post('/api/users').send({ username: 'nopass', display_name: 'No Pass' }).expect(201);
      await login({ username: 'nopass', password: DEFAULT_PASSWORD }).expect(403);
      const admin = await loginAs(t, { role: 'admin' });
      const { user } = await registerUser(t);
      await t.http().put(`/api/advanced/users/${user.id}`).set(admin.headers).send({ is_active: false }).expect(200);
      const res = await login({ username: user.username, password: DEFAULT_PASSWORD }).expect(403);
      expect(res.body.message).toBe('Account is deactivated');
      expect(passwordless.body.user.last_login).toBeNull();
      expect(await sessions().countDocuments({ user_id: { $ne: admin.user.id } })).toBe(0);
    });

    it.each([
      [{}],
      [{ username: 'dave' }],
      [{ password: DEFAULT_PASSWORD }],
      [{ username: 'dave', password: DEFAULT_PASSWORD, token: 'x' }],
      [{ username: { $ne: null }, password: DEFAULT_PASSWORD }],
      [{ username: 'dave', password: 12345678 }],
    ])('answers 400 to %j', async (body) => {
      const res = await login(body).expect(400);
      expect(res.body.error_code).toBe('INVALID_INPUT');
    });

    it('logs in by {token} on the same session with a new access and refresh token', async () => {
      const first = await loginAs(t);
      const res = await login({ token: first.sessionToken }).expect(200);
      expect(res.body).toMatchObject({ token: first.sessionToken, tokenType: 'Bearer', user: { id: first.user.id } });
      expect(claimsOf(res.body.accessToken).sid).toBe(claimsOf(first.accessToken).sid);
      expect(res.body.refreshToken).not.toBe(first.refreshToken);
      expect(await sessions().countDocuments()).toBe(1);
      await t.http().post('/auth/refresh').send({ refreshToken: res.body.refreshToken }).expect(200);
      const bad = await login({ token: '3b241101-e2bb-4255-8caf-4136c566a962' }).expect(403);
      expect(bad.body.message).toBe('Invalid token');
    });
  });

  describe('credentials on protected routes', () => {
    it('GET /auth/user answers {user} for the bearer JWT and for the session token header', async () => {
      const me = await loginAs(t);
      expect((await t.http().get('/auth/user').set(me.headers).expect(200)).body).toEqual({ user: me.user });
      expect((await t.http().get('/auth/user').set('INSAkari-Connect-Token', me.sessionToken).expect(200)).body).toEqual({ user: me.user });
    });

    it('GET /auth/user answers 403 "Incorrect token" without a valid credential', async () => {
      for (const headers of [{}, { 'INSAkari-Connect-Token': '3b241101-e2bb-4255-8caf-4136c566a962' }, { Authorization: 'Bearer x.y.z' }]) {
        const res = await t.http().get('/auth/user').set(headers).expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error_code: 'PERMISSION_DENIED', message: 'Incorrect token' });
      }
      await t.http().get('/auth/user').set(SERVICE_KEY_HEADERS).expect(403);
    });

    it('refuses a JWT signed with another secret (401 UNAUTHORIZED) and an expired one (401 TOKEN_EXPIRED)', async () => {
      const me = await loginAs(t);
      const claims = claimsOf(me.accessToken);
      const payload = { sub: claims.sub, sid: claims.sid, username: claims.username, role: claims.role };
      const forged = new JwtService({ secret: 'another-secret-another-secret-0123456789' }).sign(payload);
      const forgedRes = await t.http().get('/users').set('Authorization', `Bearer ${forged}`).expect(401);
      expect(forgedRes.body).toMatchObject({ error_code: 'UNAUTHORIZED' });

      const expired = new JwtService({ secret: process.env.JWT_SECRET }).sign({ ...payload, iat: claims.iat - 1000, exp: claims.iat - 100 });
      const expiredRes = await t.http().get('/users').set('Authorization', `Bearer ${expired}`).expect(401);
      expect(expiredRes.body).toMatchObject({ statusCode: 401, error_code: 'TOKEN_EXPIRED', message: 'Token expired' });

      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${me.accessToken.split('.')[1]}.`;
      await t.http().get('/users').set('Authorization', `Bearer ${unsigned}`).expect(401);
    });

    it('refuses a JWT whose sid belongs to another user', async () => {
      const a = await loginAs(t);
      const b = await loginAs(t);
      const { sub, username, role } = claimsOf(a.accessToken);
      const mixed = new JwtService({ secret: process.env.JWT_SECRET }).sign({ sub, username, role, sid: claimsOf(b.accessToken).sid });
      await t.http().get('/users').set('Authorization', `Bearer ${mixed}`).expect(401);
    });

    it('answers TOKEN_EXPIRED for an expired session token', async () => {
      const me = await loginAs(t);
      // The session lives SESSION_TTL_S (30 days by default); a moment after that, for the service:
      moveClockForward(30 * 86_400_000 + 1000);
      try {
        const res = await t.http().get('/users').set('INSAkari-Connect-Token', me.sessionToken).expect(401);
        expect(res.body.error_code).toBe('TOKEN_EXPIRED');
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('POST /auth/logout', () => {
    it('revokes the session: session token, JWT and refresh token fail on the very next request', async () => {
      const me = await loginAs(t);
      const other = await loginAs(t);
      await t.http().get('/users').set(me.headers).expect(200);
      expect((await t.http().post('/auth/logout').set('INSAkari-Connect-Token', me.sessionToken).expect(200)).body).toEqual({ message: 'Logged out' });

      await t.http().get('/users').set(me.headers).expect(401);
      await t.http().get('/users').set('INSAkari-Connect-Token', me.sessionToken).expect(401);
      await t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken }).expect(401);
      await t.http().get('/users').set(other.headers).expect(200);

      const session = await sessions().findOne({ user_id: me.user.id });
      expect(session).toMatchObject({ revoked_at: expect.any(Date), revoked_reason: 'logout' });
      expect(revoked).toEqual([{ sessionId: claimsOf(me.accessToken).sid, userId: me.user.id }]);

      const again = await t.http().post('/auth/logout').set(me.headers).expect(401);
      expect(again.body).toMatchObject({ error_code: 'UNAUTHORIZED', message: 'Invalid session' });
      await t.http().post('/auth/logout').expect(401);
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new working pair, and the spent refresh token revokes the whole session', async () => {
      const me = await loginAs(t);
      const first = await t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken }).expect(200);
      expect(first.body).toEqual({ accessToken: expect.stringMatching(JWT), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
      expect(first.body.refreshToken).not.toBe(me.refreshToken);
      await t.http().get('/users').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);
      const second = await t.http().post('/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(200);

      const reuse = await t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken }).expect(401);
      expect(reuse.body).toMatchObject({ error_code: 'UNAUTHORIZED', message: 'Refresh token reuse detected; session revoked' });
      await t.http().post('/auth/refresh').send({ refreshToken: second.body.refreshToken }).expect(401);
      await t.http().get('/users').set('Authorization', `Bearer ${second.body.accessToken}`).expect(401);
      await t.http().get('/users').set('INSAkari-Connect-Token', me.sessionToken).expect(401);
      expect(await sessions().findOne({ user_id: me.user.id })).toMatchObject({ revoked_reason: 'refresh_reuse', refresh_generation: 2 });
      expect(revoked).toHaveLength(1);
    });

    it('gives two tabs refreshing at once the same new pair, and the session lives on', async () => {
      const me = await loginAs(t);
      const results = await Promise.all([1, 2].map(() => t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken })));
      expect(results.map((res) => res.status)).toEqual([200, 200]);
      expect(results[1].body).toEqual(results[0].body);
      expect(results[0].body.refreshToken).not.toBe(me.refreshToken);
      // A retry after a lost answer, a moment later, gets the same pair again.
      const retry = await t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken }).expect(200);
      expect(retry.body).toEqual(results[0].body);

      await t.http().get('/auth/user').set('Authorization', `Bearer ${results[0].body.accessToken}`).expect(200);
      const next = await t.http().post('/auth/refresh').send({ refreshToken: results[1].body.refreshToken }).expect(200);
      await t.http().get('/auth/user').set('Authorization', `Bearer ${next.body.accessToken}`).expect(200);
      expect(revoked).toEqual([]);
      expect(await sessions().findOne({ user_id: me.user.id })).toMatchObject({ revoked_at: null, refresh_generation: 2 });
    });

    it('still revokes the session when a spent refresh token comes back after the 10 s grace', async () => {
      const me = await loginAs(t);
      const rotated = await t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken }).expect(200);
      // Only the clock moves (timers stay real): 11 s later for the service.
      moveClockForward(11_000);
      try {
        const reuse = await t.http().post('/auth/refresh').send({ refreshToken: me.refreshToken }).expect(401);
        expect(reuse.body).toMatchObject({ error_code: 'UNAUTHORIZED', message: 'Refresh token reuse detected; session revoked' });
      } finally {
        jest.useRealTimers();
      }
      await t.http().post('/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
      await t.http().get('/auth/user').set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(403);
      expect(revoked).toEqual([{ sessionId: expect.any(String), userId: me.user.id }]);
    });

    it.each([[{ refreshToken: 'garbage' }], [{ refreshToken: `3b241101-e2bb-4255-8caf-4136c566a962.${'A'.repeat(43)}` }]])(
      'answers 401 to %j',
      async (body) => {
        const res = await t.http().post('/auth/refresh').send(body).expect(401);
        expect(res.body.error_code).toBe('UNAUTHORIZED');
      },
    );

    it('answers 400 to a missing or non-string token', async () => {
      await t.http().post('/auth/refresh').send({}).expect(400);
      await t
        .http()
        .post('/auth/refresh')
        .send({ refreshToken: { $ne: null } })
        .expect(400);
    });
  });

  describe('POST /auth/verify', () => {
    it('answers {valid, user, expiresAt} for a header credential or a {token} body', async () => {
      const me = await loginAs(t);
      const jwtExpiry = new Date(claimsOf(me.accessToken).exp * 1000).toISOString();
      expect((await t.http().post('/auth/verify').set(me.headers).expect(200)).body).toEqual({ valid: true, user: me.user, expiresAt: jwtExpiry });
      expect((await t.http().post('/auth/verify').send({ token: me.accessToken }).expect(200)).body.expiresAt).toBe(jwtExpiry);
      const session = await sessions().findOne({});
      const bySession = await t.http().post('/auth/verify').send({ token: me.sessionToken }).expect(200);
      expect(bySession.body).toEqual({ valid: true, user: me.user, expiresAt: session?.expires_at.toISOString() });
      await t.http().post('/auth/verify').set('INSAkari-Connect-Token', me.sessionToken).expect(200);
    });

    it('answers 401 {valid:false,…} in the error shape otherwise', async () => {
      const res = await t.http().post('/auth/verify').send({ token: 'not-a-token' }).expect(401);
      expect(res.body).toEqual({
        valid: false,
        success: false,
        statusCode: 401,
        error_code: 'UNAUTHORIZED',
        message: 'Unauthorized',
        error: 'Unauthorized',
        timestamp: expect.any(Number),
        path: '/auth/verify',
        request_id: expect.any(String),
      });
      expect((await t.http().post('/auth/verify').expect(401)).body.valid).toBe(false);
    });
  });

  describe('POST /auth/signout', () => {
    it('checks the password, then deletes the account and its sessions', async () => {
      const me = await loginAs(t);
      const deleted: unknown[] = [];
      const emitter = t.app.get(EventEmitter2);
      const onDeleted = (event: unknown) => deleted.push(event);
      emitter.on(USER_EVENTS.deleted, onDeleted);
      try {
        await t.http().post('/auth/signout').set(me.headers).send({}).expect(400);
        const wrong = await t.http().post('/auth/signout').set(me.headers).send({ password: 'Wr0ng!pass' }).expect(403);
        expect(wrong.body).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Invalid password' });
        expect(await users().countDocuments()).toBe(1);
        const none = await t.http().post('/auth/signout').send({ password: me.password }).expect(401);
        expect(none.body.message).toBe('Invalid session');

        expect((await t.http().post('/auth/signout').set(me.headers).send({ password: me.password }).expect(200)).body).toEqual({ message: 'Account deleted' });
        expect(await users().countDocuments()).toBe(0);
        // Refused at once on this instance; the session documents go right after, with the event.
        await t.http().get('/users').set('INSAkari-Connect-Token', me.sessionToken).expect(401);
        await eventually(async () => expect(await sessions().countDocuments()).toBe(0));
        expect(deleted).toEqual([{ id: me.user.id }]);
        expect(revoked).toEqual([{ sessionId: claimsOf(me.accessToken).sid, userId: me.user.id }]);
      } finally {
        emitter.off(USER_EVENTS.deleted, onDeleted);
      }
    });
  });

  describe('POST /auth/user', () => {
    it('changes username, email and password; the new password logs in, the old one no longer', async () => {
      const me = await loginAs(t, { username: 'erin', email: 'erin@example.com' });
      const res = await t
        .http()
        .post('/auth/user')
        .set(me.headers)
        .send({ username: 'erin2', email: 'erin2@example.com', password: 'N3w!password' })
        .expect(200);
      expect(res.body).toEqual({ user: { ...me.user, username: 'erin2', email: 'erin2@example.com', display_name: 'erin' } });
      await login({ username: 'erin2', password: 'N3w!password' }).expect(200);
      await login({ username: 'erin2', password: me.password }).expect(403);
      await login({ username: 'erin', password: 'N3w!password' }).expect(403);
    });

    it('ends every other session of the user on a password change, keeping the current one', async () => {
      const me = await loginAs(t, { username: 'ivan' });
      const elsewhere = await login({ username: 'ivan', password: me.password }).expect(200);
      await t.http().post('/auth/user').set(me.headers).send({ email: 'ivan@example.com' }).expect(200);
      await t.http().get('/auth/user').set('INSAkari-Connect-Token', elsewhere.body.token).expect(200);

      await t.http().post('/auth/user').set(me.headers).send({ password: 'N3w!password' }).expect(200);
      await t.http().get('/auth/user').set('INSAkari-Connect-Token', elsewhere.body.token).expect(403);
      await t.http().post('/auth/refresh').send({ refreshToken: elsewhere.body.refreshToken }).expect(401);
      await t.http().get('/auth/user').set(me.headers).expect(200);
      expect(await sessions().countDocuments({ revoked_reason: 'password_changed' })).toBe(1);
    });

    it('answers 409 for a taken username or email, 400 for a weak password, 401 without a session', async () => {
      await registerUser(t, { username: 'frank', email: 'frank@example.com' });
      const me = await loginAs(t, { username: 'gina' });
      const name = await t.http().post('/auth/user').set(me.headers).send({ username: 'FRANK' }).expect(409);
      expect(name.body.message).toBe('Username not available');
      const email = await t.http().post('/auth/user').set(me.headers).send({ email: 'FRANK@example.com' }).expect(409);
      expect(email.body.message).toBe('Email not available');
      const weak = await t.http().post('/auth/user').set(me.headers).send({ password: 'weakpass' }).expect(400);
      expect(weak.body.details.map((detail: { rule: string }) => detail.rule).sort()).toEqual(['password.digit', 'password.special', 'password.uppercase']);
      const none = await t.http().post('/auth/user').send({ username: 'hank' }).expect(401);
      expect(none.body.message).toBe('Invalid session');
      expect((await users().findOne({ _id: me.user.id as never }))?.username).toBe('gina');
    });
  });

  describe('revocation by an admin', () => {
    it('revokes every session of a user an admin deactivates, before the admin gets the answer', async () => {
      const admin = await loginAs(t, { role: 'admin' });
      const me = await loginAs(t);
      const again = await login({ username: me.user.username, password: me.password }).expect(200);
      await t.http().get('/users').set(me.headers).expect(200);
      await t.http().put(`/api/advanced/users/${me.user.id}`).set(admin.headers).send({ is_active: false }).expect(200);
      await t.http().get('/users').set(me.headers).expect(401);
      await t.http().get('/users').set('INSAkari-Connect-Token', again.body.token).expect(401);
      await t.http().post('/auth/refresh').send({ refreshToken: again.body.refreshToken }).expect(401);
      expect(revoked.map((event) => event.userId)).toEqual([me.user.id, me.user.id]);
      expect(await sessions().countDocuments({ revoked_reason: 'user_deactivated' })).toBe(2);
      expect((await login({ username: me.user.username, password: me.password }).expect(403)).body.message).toBe('Account is deactivated');
    });
  });

  it("never answers a password, a hash or another session's token", async () => {
    const a = await loginAs(t, { role: 'admin' });
    const b = await loginAs(t);
    // Each answer must be the real one (a 401 body would contain no secret either).
    const bodies = [
      (await t.http().get('/users').set(a.headers).expect(200)).text,
      (await t.http().get(`/users/${b.user.id}`).set(a.headers).expect(200)).text,
      (await t.http().get('/auth/user').set(a.headers).expect(200)).text,
      (await t.http().post('/auth/verify').set(a.headers).expect(200)).text,
      (await t.http().post('/auth/refresh').send({ refreshToken: a.refreshToken }).expect(200)).text,
      (await t.http().post(`/users/${b.user.id}/score`).set(a.headers).send({ increment: 1 }).expect(200)).text,
      (await t.http().get('/users/leaderboard').set(a.headers).expect(200)).text,
      (await t.http().get(`/api/users/${b.user.id}`).set(a.headers).expect(200)).text,
      (await t.http().get('/api/advanced/users').set(a.headers).expect(200)).text,
    ].join('\n');
    expect(bodies).toContain(b.user.id);
    for (const secret of [a.password, b.password, b.sessionToken, b.accessToken, b.refreshToken, a.sessionToken, '$2b$', 'password_hash', 'token_hash']) {
      expect(bodies).not.toContain(secret);
    }
  });
});
