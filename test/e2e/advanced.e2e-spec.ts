import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { ClientSocket, closeAll, connectAs, emitWithAck } from '../utils/sockets';
import { createChannel } from '../utils/voice';

const MISSING = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('advanced APIs (/api/advanced)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('GET /api/advanced/users', () => {
    let viewer: LoggedIn;
    const page = async (query: string) => (await t.http().get(`/api/advanced/users${query}`).set(viewer.headers).expect(200)).body;

    /** The viewer plus 24 password-less users named u00…u23 (25 in all), created in order; the tests only read them. */
    beforeAll(async () => {
      await t.clearDatabase();
      viewer = await loginAs(t, { username: 'viewer' });
      for (let i = 0; i < 24; i++) {
        const username = `u${String(i).padStart(2, '0')}`;
        await t
          .http()
          .post('/api/users')
          .send({ username, display_name: i % 2 ? 'Odd One' : 'Even' })
          .expect(201);
      }
    });

    it('answers the first page with the exact pagination object', async () => {
      const body = await page('');
      expect(Object.keys(body)).toEqual(['data', 'pagination']);
      expect(body.pagination).toEqual({ current_page: 1, total_pages: 2, total_items: 25, items_per_page: 20, has_next: true, has_previous: false });
      expect(body.data).toHaveLength(20);
      expect(body.data[0]).toEqual(expect.objectContaining({ username: 'viewer' }));
      expect(body.data[0]).not.toHaveProperty('password_hash');
    });

    it('answers the last page, an empty page past the end, and limit 100', async () => {
      const last = await page('?page=2');
      expect(last.pagination).toEqual({ current_page: 2, total_pages: 2, total_items: 25, items_per_page: 20, has_next: false, has_previous: true });
      expect(last.data.map((user: { username: string }) => user.username)).toEqual(['u19', 'u20', 'u21', 'u22', 'u23']);
      const past = await page('?page=5&limit=10');
      expect(past).toEqual({
        data: [],
        pagination: { current_page: 5, total_pages: 3, total_items: 25, items_per_page: 10, has_next: false, has_previous: true },
      });
      const all = await page('?limit=100');
      expect(all.data).toHaveLength(25);
      expect(all.pagination).toEqual({ current_page: 1, total_pages: 1, total_items: 25, items_per_page: 100, has_next: false, has_previous: false });
    });

    it('sorts and searches', async () => {
      const desc = await page('?sort_by=username&order=desc&limit=3');
      expect(desc.data.map((user: { username: string }) => user.username)).toEqual(['viewer', 'u23', 'u22']);
      const odd = await page('?search=odd&limit=100');
      expect(odd.pagination.total_items).toBe(12);
      expect(odd.data.every((user: { display_name: string }) => user.display_name === 'Odd One')).toBe(true);
      const literal = await page('?search=.*');
      expect(literal.pagination.total_items).toBe(0);
      await t.http().post(`/users/${desc.data[2].id}/score`).set({ 'X-API-Key': process.env.SERVICE_API_KEY }).send({ increment: 9 }).expect(200);
      expect((await page('?sort_by=score&order=desc&limit=1')).data[0].username).toBe('u22');
    });

    it.each(['?limit=101', '?limit=0', '?page=0', '?page=abc', '?sort_by=password_hash', '?order=up', '?search=', '?extra=1', '?page[$gt]=1'])(
      'refuses %s with 400',
      async (query) => {
        const res = await t.http().get(`/api/advanced/users${query}`).set(viewer.headers).expect(400);
        expect(res.body.error_code).toBe('INVALID_INPUT');
      },
    );

    it('needs a signed-in user', async () => {
      await t.http().get('/api/advanced/users').expect(401);
    });
  });

  describe('PUT /api/advanced/users/:id', () => {
    beforeEach(() => t.clearDatabase());

    it('lets a user change their own display_name and email, not the admin fields, not someone else', async () => {
      const [alice, bob] = [await loginAs(t), await loginAs(t)];
      const res = await t.http().put(`/api/advanced/users/${alice.user.id}`).set(alice.headers).send({ display_name: 'Alice A.', email: 'a@x.io' }).expect(200);
      expect(res.body).toEqual({ success: true, data: { ...alice.user, display_name: 'Alice A.', email: 'a@x.io' } });
      for (const body of [{ is_active: false }, { role: 'admin' }, { score: 100 }]) {
        const refused = await t.http().put(`/api/advanced/users/${alice.user.id}`).set(alice.headers).send(body).expect(403);
        expect(refused.body.error_code).toBe('PERMISSION_DENIED');
      }
      await t.http().put(`/api/advanced/users/${bob.user.id}`).set(alice.headers).send({ display_name: 'Hacked' }).expect(403);
      const conflict = await t.http().put(`/api/advanced/users/${bob.user.id}`).set(bob.headers).send({ email: 'A@X.IO' }).expect(409);
      expect(conflict.body.error_code).toBe('EMAIL_TAKEN');
      await t.http().put(`/api/advanced/users/${bob.user.id}`).set(bob.headers).send({}).expect(400);
      await t
        .http()
        .put(`/api/advanced/users/${bob.user.id}`)
        .set(bob.headers)
        .send({ display_name: { $set: 'x' } })
        .expect(400);
      const stored = await t.connection.collection('users').findOne({ _id: bob.user.id as never });
      expect(stored).toMatchObject({ display_name: bob.user.display_name, role: 'user', score: 0, is_active: true, email: null });
    });

    it('lets an admin change role and score, and deactivating revokes the sessions at once', async () => {
      const [admin, bob] = [await loginAs(t, { role: 'admin' }), await loginAs(t)];
      const res = await t.http().put(`/api/advanced/users/${bob.user.id}`).set(admin.headers).send({ role: 'admin', score: 42 }).expect(200);
      expect(res.body.data).toMatchObject({ role: 'admin', score: 42, is_active: true });
      await t.http().get('/api/advanced/users').set(bob.headers).expect(200);
      await t.http().put(`/api/advanced/users/${bob.user.id}`).set(admin.headers).send({ is_active: false }).expect(200);
      await t.http().get('/api/advanced/users').set(bob.headers).expect(401);
      await t.http().put(`/api/advanced/users/${MISSING}`).set(admin.headers).send({ score: 1 }).expect(404);
    });
  });

  describe('DELETE /api/advanced/users/:id', () => {
    beforeEach(() => t.clearDatabase());

    it('is for admins only', async () => {
      const [admin, alice] = [await loginAs(t, { role: 'admin' }), await loginAs(t)];
      await t.http().delete(`/api/advanced/users/${alice.user.id}`).set(alice.headers).expect(403);
      expect((await t.http().delete(`/api/advanced/users/${alice.user.id}`).set(admin.headers).expect(200)).body).toEqual({
        success: true,
        message: 'User deleted',
      });
      expect(await t.connection.collection('users').countDocuments({ _id: alice.user.id as never })).toBe(0);
      await t.http().delete(`/api/advanced/users/${alice.user.id}`).set(admin.headers).expect(404);
    });
  });

  describe('GET /api/advanced/users/:id/statistics', () => {
    beforeEach(() => t.clearDatabase());

    it('answers real counters to oneself and admins, 403 to others, 404 for nobody', async () => {
      const [alice, bob, admin] = [await loginAs(t), await loginAs(t), await loginAs(t, { role: 'admin' })];
      const own = await t.http().get(`/api/advanced/users/${alice.user.id}/statistics`).set(alice.headers).expect(200);
      expect(own.body).toEqual({
        success: true,
        data: {
          user_id: alice.user.id,
          total_connections: 0,
          total_session_seconds: 0,
          channels_joined: 0,
          messages_sent: 0,
          audio_packets_sent: 0,
          audio_bytes_sent: 0,
          calls_made: 0,
          last_seen: null,
          current_channel: null,
        },
      });
      await t.http().get(`/api/advanced/users/${alice.user.id}/statistics`).set(admin.headers).expect(200);
      await t.http().get(`/api/advanced/users/${alice.user.id}/statistics`).set(bob.headers).expect(403);
      await t.http().get(`/api/advanced/users/${MISSING}/statistics`).set(admin.headers).expect(404);
    });
  });

  describe('GET /api/advanced/channels', () => {
    beforeEach(() => t.clearDatabase());

    let sockets: ClientSocket[] = [];
    afterEach(() => {
      closeAll(...sockets);
      sockets = [];
    });

    it('filters by name, type and current member counts; include_private is for admins', async () => {
      const [alice, bob, admin] = [await loginAs(t), await loginAs(t), await loginAs(t, { role: 'admin' })];
      const lobby = await createChannel(t, alice.headers, { name: 'Lobby' });
      await createChannel(t, alice.headers, { name: 'Game lobby', channel_type: 'text' });
      await createChannel(t, alice.headers, { name: 'Secret lobby', is_private: true });
      for (const user of [alice, bob]) {
        const socket = await connectAs(t.url, user.accessToken, '/voice');
        sockets.push(socket);
        await emitWithAck(socket, 'JoinChannel', { channel_id: lobby.id });
      }
      const names = async (user: LoggedIn, query: string) =>
        (await t.http().get(`/api/advanced/channels${query}`).set(user.headers).expect(200)).body.data.map((channel: { name: string }) => channel.name);
      expect(await names(bob, '?name=LOBBY')).toEqual(['Lobby', 'Game lobby']);
      expect(await names(alice, '?name=lobby')).toEqual(['Lobby', 'Game lobby', 'Secret lobby']);
      expect(await names(bob, '?channel_type=text')).toEqual(['Game lobby']);
      expect(await names(bob, '?min_users=2')).toEqual(['Lobby']);
      expect(await names(bob, '?max_users=0')).toEqual(['Game lobby']);
      expect(await names(bob, '?include_private=true')).toEqual(['Lobby', 'Game lobby']);
      expect(await names(admin, '?include_private=true')).toEqual(['Lobby', 'Game lobby', 'Secret lobby']);
      expect(await names(admin, '')).toEqual(['Lobby', 'Game lobby']);
      for (const query of ['?min_users=-1', '?include_private=yes', '?channel_type=video', '?name[$regex]=x', '?max_users=abc']) {
        await t.http().get(`/api/advanced/channels${query}`).set(bob.headers).expect(400);
      }
    });
  });

  describe('GET /api/advanced/channels/:id/statistics', () => {
    beforeEach(() => t.clearDatabase());

    it('answers the seed shape with zeros and nulls for a quiet channel', async () => {
      const alice = await loginAs(t);
      const channel = await createChannel(t, alice.headers);
      const res = await t.http().get(`/api/advanced/channels/${channel.id}/statistics`).set(alice.headers).expect(200);
      expect(res.body).toEqual({
        channel_id: channel.id,
        current_users: 0,
        total_connections: 0,
        uptime_seconds: expect.any(Number),
        audio_stats: {
          packets_sent: 0,
          packets_received: 0,
          bytes_transferred: 0,
          average_latency_ms: null,
          packet_loss_rate: null,
          audio_quality_score: null,
          jitter_ms: null,
        },
        performance_stats: { cpu_usage_percent: expect.any(Number), memory_usage_mb: expect.any(Number), active_streams: 0, processing_latency_us: null },
      });
      expect(res.body.uptime_seconds).toBeLessThan(5);
      expect(res.body.performance_stats.memory_usage_mb).toBeGreaterThan(10);
      await t.http().get(`/api/advanced/channels/${MISSING}/statistics`).set(alice.headers).expect(404);
    });
  });
});
