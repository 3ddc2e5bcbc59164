import { DEFAULT_PASSWORD, loginAs, SERVICE_KEY_HEADERS } from '../utils/auth';
import { closeAll, connectAs, waitFor } from '../utils/sockets';
import { createTestApp, TestApp } from '../utils/create-test-app';

const MAX_SCORE = Number.MAX_SAFE_INTEGER;

describe('accounts: email privacy, 64-bit scores, credential limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  describe('email is shown only to its owner, admins and the service', () => {
    it('other users see profiles without email on every route that lists or shows a user', async () => {
      const alice = await loginAs(t, { email: 'alice@example.com' });
      const bob = await loginAs(t, { email: 'bob@example.com' });
      const { email: _hidden, ...aliceProfile } = alice.user;

      const asBob = (path: string) => t.http().get(path).set(bob.headers).expect(200);
      expect((await asBob('/users')).body).toEqual(expect.arrayContaining([aliceProfile, bob.user]));
      expect((await asBob(`/users/${alice.user.id}`)).body).toEqual(aliceProfile);
      expect((await asBob(`/api/users/${alice.user.id}`)).body).toEqual({ success: true, user: aliceProfile, data: aliceProfile });
      expect((await asBob('/users/leaderboard')).body).toEqual(expect.arrayContaining([aliceProfile, bob.user]));
      expect((await asBob('/api/advanced/users?sort_by=username')).body.data).toEqual(expect.arrayContaining([aliceProfile, bob.user]));
      expect(JSON.stringify((await asBob('/users')).body)).not.toContain('alice@example.com');

      // Oneself: the email, on the same routes.
      expect((await t.http().get(`/users/${alice.user.id}`).set(alice.headers).expect(200)).body.email).toBe('alice@example.com');
      expect((await t.http().get('/auth/user').set(alice.headers).expect(200)).body.user.email).toBe('alice@example.com');
    });

    it('admins and the service principal see every email', async () => {
      const alice = await loginAs(t, { email: 'alice@example.com' });
      const admin = await loginAs(t, { role: 'admin' });
      expect((await t.http().get(`/users/${alice.user.id}`).set(admin.headers).expect(200)).body.email).toBe('alice@example.com');
      const listed = (await t.http().get('/api/advanced/users').set(admin.headers).expect(200)).body.data;
      expect(listed.find((user: { id: string }) => user.id === alice.user.id).email).toBe('alice@example.com');
      const scored = await t.http().post(`/users/${alice.user.id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: 1 }).expect(200);
      expect(scored.body.email).toBe('alice@example.com');
    });

    it('user_created pushes carry no email', async () => {
      const watcher = await loginAs(t);
      const socket = await connectAs(t.url, watcher.accessToken);
      try {
        const pushed = waitFor<{ user: Record<string, unknown> }>(socket, 'user_created');
        const created = await t.http().post('/users').send({ username: 'newcomer', password: DEFAULT_PASSWORD, email: 'new@example.com' }).expect(201);
        expect(created.body.email).toBe('new@example.com');
        const { email: _hidden, ...profile } = created.body;
        expect((await pushed).user).toEqual(profile);
      } finally {
        closeAll(socket);
      }
    });
  });

  describe('scores are 64-bit safe', () => {
    const increment = (id: string, value: number) => t.http().post(`/users/${id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: value });

    it('three increments of 1e9 give 3e9, not a wrapped int32', async () => {
      const player = await loginAs(t);
      for (const expected of [1e9, 2e9, 3e9]) expect((await increment(player.user.id, 1e9).expect(200)).body.score).toBe(expected);
      expect((await t.connection.collection('users').findOne({ _id: player.user.id as never }))?.score).toBe(3e9);
      expect((await t.http().get('/users/leaderboard').set(player.headers).expect(200)).body[0].score).toBe(3e9);
    });

    it('reaches ±(2^53−1) exactly and refuses an increment past it with 400, changing nothing', async () => {
      const player = await loginAs(t);
      expect((await increment(player.user.id, MAX_SCORE).expect(200)).body.score).toBe(MAX_SCORE);
      const over = await increment(player.user.id, 1).expect(400);
      expect(over.body).toMatchObject({ error_code: 'INVALID_INPUT', message: 'The score would leave the range ±(2^53−1); nothing changed' });
      expect((await t.http().get(`/users/${player.user.id}`).set(player.headers).expect(200)).body.score).toBe(MAX_SCORE);

      expect((await increment(player.user.id, -MAX_SCORE).expect(200)).body.score).toBe(0);
      expect((await increment(player.user.id, -MAX_SCORE).expect(200)).body.score).toBe(-MAX_SCORE);
      await increment(player.user.id, -1).expect(400);
      expect((await t.connection.collection('users').findOne({ _id: player.user.id as never }))?.score).toBe(-MAX_SCORE);
    });

    it('refuses increments that are not safe integers', async () => {
      const player = await loginAs(t);
      for (const body of ['{"increment":9007199254740992}', '{"increment":1e300}', '{"increment":-9007199254740992}']) {
        await t.http().post(`/users/${player.user.id}/score`).set(SERVICE_KEY_HEADERS).set('Content-Type', 'application/json').send(body).expect(400);
      }
      expect((await t.connection.collection('users').findOne({ _id: player.user.id as never }))?.score).toBe(0);
    });
  });

  describe('credential limits apply only where credentials are taken or minted', () => {
    it('GET /auth/user on every page load does not spend the credential budget', async () => {
      const limited = await createTestApp({ AUTH_THROTTLE_LIMIT: '3' });
      try {
        const { body: user } = await limited.http().post('/users').send({ username: 'pageloads', password: DEFAULT_PASSWORD }).expect(201);
        const login = await limited.http().post('/auth/login').send({ username: user.username, password: DEFAULT_PASSWORD }).expect(200);
        const headers = { Authorization: `Bearer ${login.body.accessToken}` };
        for (let i = 0; i < 10; i++) await limited.http().get('/auth/user').set(headers).expect(200);
        await limited.http().post('/auth/logout').set(headers).expect(200);
        // POST /users and the login spent 2 of 3: one credential request is left, then 429.
        await limited.http().post('/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(401);
        await limited.http().post('/auth/login').send({ username: user.username, password: DEFAULT_PASSWORD }).expect(429);
      } finally {
        await limited.clearDatabase();
        await limited.close();
      }
    });
  });
});
