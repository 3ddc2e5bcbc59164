import { loginAs, SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';

const PASSWORD = 'Sup3r!secret';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('users (/users and /api/users routes)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  const create = (body: Record<string, unknown>) => t.http().post('/users').send(body);
  const usersInDb = () => t.connection.collection('users').find({}).toArray();

  describe('POST /users', () => {
    it('creates a user and answers the public shape only', async () => {
      const res = await create({ username: 'Alice', password: PASSWORD, email: 'Alice@Example.com' }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        username: 'Alice',
        email: 'Alice@Example.com',
        display_name: 'Alice',
        score: 0,
        role: 'user',
        is_active: true,
        created_at: expect.stringMatching(ISO),
        last_login: null,
      });
      const [stored] = await usersInDb();
      expect(stored._id).toBe(res.body.id);
      expect(stored.password_hash).toMatch(/^\$2b\$10\$/);
      expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    });

    it('refuses a username that differs only in case, with "Username not available"', async () => {
      await create({ username: 'Alice', password: PASSWORD }).expect(201);
      const res = await create({ username: 'aLICE', password: PASSWORD }).expect(409);
      expect(res.body).toMatchObject({ success: false, statusCode: 409, error_code: 'USERNAME_TAKEN', message: 'Username not available' });
      expect(await usersInDb()).toHaveLength(1);
    });

    it('refuses an email that differs only in case; many users may have no email', async () => {
      await create({ username: 'bob', password: PASSWORD }).expect(201);
      await create({ username: 'carol', password: PASSWORD }).expect(201);
      await create({ username: 'dave', password: PASSWORD, email: 'd@x.io' }).expect(201);
      const res = await create({ username: 'erin', password: PASSWORD, email: 'D@X.IO' }).expect(409);
      expect(res.body).toMatchObject({ error_code: 'EMAIL_TAKEN', message: 'Email not available' });
      expect(await usersInDb()).toHaveLength(3);
    });

    it('admits exactly one of 20 parallel creations of one username (any case)', async () => {
      const names = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'racer' : 'RACER'));
      const results = await Promise.all(names.map((username) => create({ username, password: PASSWORD })));
      expect(results.filter((res) => res.status === 201)).toHaveLength(1);
      expect(results.filter((res) => res.status === 409)).toHaveLength(19);
      expect(await usersInDb()).toHaveLength(1);
    });

    it.each([
      ['minLength', 'Ab1!xyz'],
      ['lowercase', 'ABCDEF1!'],
      ['uppercase', 'abcdef1!'],
      ['digit', 'Abcdefg!'],
      ['special', 'Abcdefg1'],
      ['maxBytes', `Ab1!${'é'.repeat(35)}`],
    ])('names the failed password rule %s alone', async (rule, password) => {
      const res = await create({ username: 'frank', password }).expect(400);
      expect(res.body.error_code).toBe('INVALID_INPUT');
      expect(res.body.details).toEqual([{ field: 'password', rule: `password.${rule}`, message: expect.any(String) }]);
      expect(await usersInDb()).toHaveLength(0);
    });

    it('names every failed rule at once', async () => {
      const res = await create({ username: 'frank', password: 'abc' }).expect(400);
      expect(res.body.details.map((detail: { rule: string }) => detail.rule).sort()).toEqual(
        ['password.digit', 'password.minLength', 'password.special', 'password.uppercase'].sort(),
      );
    });

    it.each([
      [{ username: 'ab', password: PASSWORD }, 'username'],
      [{ username: 'bad name', password: PASSWORD }, 'username'],
      [{ username: 'x'.repeat(33), password: PASSWORD }, 'username'],
      [{ password: PASSWORD }, 'username'],
      [{ username: 'grace' }, 'password'],
      [{ username: 'grace', password: PASSWORD, email: 'not-an-email' }, 'email'],
      [{ username: 42, password: PASSWORD }, 'username'],
    ])('refuses invalid input %j', async (body, field) => {
      const res = await create(body).expect(400);
      expect(res.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
      expect(await usersInDb()).toHaveLength(0);
    });
  });

  describe('reading users', () => {
    it('lists users oldest first and gets one by id; others are shown without email', async () => {
      const viewer = await loginAs(t, { username: 'viewer', email: 'viewer@example.com' });
      const { email: _a, ...a } = (await create({ username: 'ann', password: PASSWORD, email: 'ann@example.com' }).expect(201)).body;
      const { email: _b, ...b } = (await create({ username: 'ben', password: PASSWORD }).expect(201)).body;
      expect((await t.http().get('/users').set(viewer.headers).expect(200)).body).toEqual([viewer.user, a, b]);
      expect((await t.http().get(`/users/${b.id}`).set(viewer.headers).expect(200)).body).toEqual(b);
      expect(viewer.user.email).toBe('viewer@example.com');
    });

    it('accepts the session token header as well as the bearer JWT', async () => {
      const viewer = await loginAs(t);
      const res = await t.http().get(`/users/${viewer.user.id}`).set('INSAkari-Connect-Token', viewer.sessionToken).expect(200);
      expect(res.body).toEqual(viewer.user);
    });

    it('answers 401 without a credential, with a bad one, and 403 to the service key', async () => {
      const viewer = await loginAs(t);
      for (const path of ['/users', `/users/${viewer.user.id}`, '/users/leaderboard', `/api/users/${viewer.user.id}`]) {
        const res = await t.http().get(path).expect(401);
        expect(res.body).toMatchObject({ success: false, statusCode: 401, error_code: 'UNAUTHORIZED', message: 'Unauthorized' });
        await t.http().get(path).set('Authorization', 'Bearer not.a.jwt').expect(401);
        await t.http().get(path).set('INSAkari-Connect-Token', '3b241101-e2bb-4255-8caf-4136c566a962').expect(401);
        const service = await t.http().get(path).set(SERVICE_KEY_HEADERS).expect(403);
        expect(service.body.error_code).toBe('PERMISSION_DENIED');
      }
    });

    it('answers 404 USER_NOT_FOUND for an unknown id and 400 for a malformed one', async () => {
      const viewer = await loginAs(t);
      const missing = await t.http().get('/users/3b241101-e2bb-4255-8caf-4136c566a962').set(viewer.headers).expect(404);
      expect(missing.body).toMatchObject({ error_code: 'USER_NOT_FOUND', message: 'User not found' });
      const malformed = await t.http().get('/users/not-a-uuid').set(viewer.headers).expect(400);
      expect(malformed.body.error_code).toBe('INVALID_INPUT');
    });
  });

  describe('DELETE /users/:id', () => {
    it('lets a user delete their own account, revoking its sessions at once', async () => {
      const self = await loginAs(t);
      const res = await t.http().delete(`/users/${self.user.id}`).set(self.headers).expect(200);
      expect(res.body).toEqual({ message: 'User deleted' });
      expect(await usersInDb()).toHaveLength(0);
      await t.http().get('/users').set(self.headers).expect(401);
      await t.http().get('/users').set('INSAkari-Connect-Token', self.sessionToken).expect(401);
      await t.http().post('/auth/refresh').send({ refreshToken: self.refreshToken }).expect(401);
      await eventually(async () => expect(await t.connection.collection('sessions').countDocuments({ user_id: self.user.id })).toBe(0));
    });

    it('lets an admin delete anyone and refuses other users and the service key', async () => {
      const victim = await loginAs(t);
      const other = await loginAs(t);
      const admin = await loginAs(t, { role: 'admin' });
      const denied = await t.http().delete(`/users/${victim.user.id}`).set(other.headers).expect(403);
      expect(denied.body.error_code).toBe('PERMISSION_DENIED');
      await t.http().delete(`/users/${victim.user.id}`).set(SERVICE_KEY_HEADERS).expect(403);
      await t.http().delete(`/users/${victim.user.id}`).expect(401);
      expect(await usersInDb()).toHaveLength(3);

      await t.http().delete(`/users/${victim.user.id}`).set(admin.headers).expect(200);
      expect((await usersInDb()).map((user) => user._id).sort()).toEqual([other.user.id, admin.user.id].sort());
      await t.http().get('/users').set(victim.headers).expect(401);
      await t.http().delete(`/users/${victim.user.id}`).set(admin.headers).expect(404);
    });
  });

  describe('scores', () => {
    it('lands 50 parallel increments exactly', async () => {
      const user = (await create({ username: 'scorer', password: PASSWORD }).expect(201)).body;
      const results = await Promise.all(
        Array.from({ length: 50 }, () => t.http().post(`/users/${user.id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: 3 })),
      );
      expect(results.every((res) => res.status === 200)).toBe(true);
      const [stored] = await usersInDb();
      expect(stored.score).toBe(150);
      expect(results.map((res) => res.body.score).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => 3 * (i + 1)));
    });

    it.each([[{ increment: 1.5 }], [{ increment: '5' }], [{}], [{ increment: 1, extra: true }], [{ increment: { $gt: 0 } }]])(
      'refuses a bad increment %j',
      async (body) => {
        const user = (await create({ username: 'scorer', password: PASSWORD }).expect(201)).body;
        await t.http().post(`/users/${user.id}/score`).set(SERVICE_KEY_HEADERS).send(body).expect(400);
        expect((await usersInDb())[0].score).toBe(0);
      },
    );

    it('answers 404 for an unknown user', async () => {
      const res = await t.http().post('/users/3b241101-e2bb-4255-8caf-4136c566a962/score').set(SERVICE_KEY_HEADERS).send({ increment: 1 }).expect(404);
      expect(res.body.error_code).toBe('USER_NOT_FOUND');
    });

    it('admits an admin and the service key, refuses a user (403), a wrong key and nobody (401)', async () => {
      const player = await loginAs(t);
      const admin = await loginAs(t, { role: 'admin' });
      const path = `/users/${player.user.id}/score`;
      expect((await t.http().post(path).set(admin.headers).send({ increment: 2 }).expect(200)).body.score).toBe(2);
      const denied = await t.http().post(path).set(player.headers).send({ increment: 100 }).expect(403);
      expect(denied.body).toMatchObject({ statusCode: 403, error_code: 'PERMISSION_DENIED' });
      const wrongKey = await t.http().post(path).set('X-API-Key', 'not-the-service-key-at-all').send({ increment: 100 }).expect(401);
      expect(wrongKey.body).toMatchObject({ error_code: 'UNAUTHORIZED', message: 'Invalid API key' });
      await t.http().post(path).send({ increment: 100 }).expect(401);
      const stored = await t.connection.collection('users').findOne({ _id: player.user.id as never });
      expect(stored?.score).toBe(2);
    });

    it('ranks the leaderboard by score and honours limit', async () => {
      const viewer = await loginAs(t, { username: 'viewer' });
      for (const [username, score] of [
        ['low', 1],
        ['high', 30],
        ['mid', 10],
      ] as const) {
        const user = (await create({ username, password: PASSWORD }).expect(201)).body;
        await t.http().post(`/users/${user.id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: score }).expect(200);
      }
      const board = (await t.http().get('/users/leaderboard').set(viewer.headers).expect(200)).body;
      expect(board.map((user: { username: string }) => user.username)).toEqual(['high', 'mid', 'low', 'viewer']);
      const top = (await t.http().get('/users/leaderboard?limit=2').set(viewer.headers).expect(200)).body;
      expect(top).toHaveLength(2);
      await t.http().get('/users/leaderboard?limit=101').set(viewer.headers).expect(400);
      await t.http().get('/users/leaderboard?limit=abc').set(viewer.headers).expect(400);
    });
  });

  describe('/api/users', () => {
    it('creates with display_name and no password, in the success envelope', async () => {
      const res = await t.http().post('/api/users').send({ username: 'john_doe', display_name: 'John Doe' }).expect(201);
      expect(res.body).toEqual({
        success: true,
        user: expect.objectContaining({ id: expect.stringMatching(UUID), username: 'john_doe', display_name: 'John Doe', is_active: true }),
      });
      const [stored] = await usersInDb();
      expect(stored.password_hash).toBeNull();

      const viewer = await loginAs(t);
      const got = await t.http().get(`/api/users/${res.body.user.id}`).set(viewer.headers).expect(200);
      const { email: _hidden, ...profile } = res.body.user;
      expect(got.body).toEqual({ success: true, user: profile, data: profile });
    });

    it('requires display_name and checks a given password against the policy', async () => {
      await t.http().post('/api/users').send({ username: 'john_doe' }).expect(400);
      const res = await t.http().post('/api/users').send({ username: 'john_doe', display_name: 'J', password: 'weak' }).expect(400);
      expect(res.body.details.some((detail: { rule: string }) => detail.rule.startsWith('password.'))).toBe(true);
      expect(await usersInDb()).toHaveLength(0);
    });
  });
});
