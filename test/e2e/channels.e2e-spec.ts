import { loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { createChannel } from '../utils/voice';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MISSING = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('channels and audio config', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  const channelsInDb = () => t.connection.collection('channels').find({}).toArray();

  describe('POST /api/channels', () => {
    it('creates with the defaults and answers the success envelope', async () => {
      const alice = await loginAs(t);
      const res = await t.http().post('/api/channels').set(alice.headers).send({ name: 'General', description: 'Channel général' }).expect(201);
      expect(res.body).toEqual({
        success: true,
        data: {
          id: expect.stringMatching(UUID),
          name: 'General',
          description: 'Channel général',
          max_users: 10,
          is_private: false,
          channel_type: 'voice',
          owner_id: alice.user.id,
          total_connections: 0,
          current_users: 0,
          created_at: expect.stringMatching(ISO),
        },
      });
      const [stored] = await channelsInDb();
      expect(stored).toMatchObject({ _id: res.body.data.id, name: 'General', owner_id: alice.user.id, member_ids: [], total_connections: 0 });
    });

    it.each([
      [{}],
      [{ name: '' }],
      [{ name: 'x'.repeat(65) }],
      [{ name: { $gt: '' } }],
      [{ name: 'a', max_users: 0 }],
      [{ name: 'a', max_users: 1001 }],
      [{ name: 'a', max_users: '5' }],
      [{ name: 'a', is_private: 'yes' }],
      [{ name: 'a', channel_type: 'video' }],
      [{ name: 'a', member_ids: ['nope'] }],
      [{ name: 'a', owner_id: MISSING }],
    ])('refuses %j with 400 and stores nothing', async (body) => {
      const alice = await loginAs(t);
      const res = await t.http().post('/api/channels').set(alice.headers).send(body).expect(400);
      expect(res.body).toMatchObject({ success: false, error_code: 'INVALID_INPUT' });
      expect(await channelsInDb()).toHaveLength(0);
    });

    it('needs a signed-in user', async () => {
      const res = await t.http().post('/api/channels').send({ name: 'General' }).expect(401);
      expect(res.body.error_code).toBe('UNAUTHORIZED');
      await t.http().get('/api/channels').expect(401);
    });
  });

  describe('visibility', () => {
    it('lists public channels and the private ones the caller owns or was admitted to', async () => {
      const [alice, bob, carol] = [await loginAs(t), await loginAs(t), await loginAs(t)];
      const open = await createChannel(t, alice.headers, { name: 'open' });
      const mine = await createChannel(t, alice.headers, { name: 'mine', is_private: true });
      const shared = await createChannel(t, alice.headers, { name: 'shared', is_private: true, member_ids: [bob.user.id] });
      const names = async (headers: { Authorization: string }) =>
        (await t.http().get('/api/channels').set(headers).expect(200)).body.data.map((channel: { name: string }) => channel.name);
      // Newest first (the caller's own ahead of the rest).
      expect(await names(alice.headers)).toEqual(['shared', 'mine', 'open']);
      expect(await names(bob.headers)).toEqual(['shared', 'open']);
      expect(await names(carol.headers)).toEqual(['open']);

      const got = await t.http().get(`/api/channels/${open.id}`).set(carol.headers).expect(200);
      expect(got.body).toEqual({ success: true, data: expect.objectContaining({ id: open.id, current_users: 0, members: [] }) });
      await t.http().get(`/api/channels/${shared.id}`).set(bob.headers).expect(200);
      const hidden = await t.http().get(`/api/channels/${mine.id}`).set(carol.headers).expect(404);
      expect(hidden.body).toMatchObject({ error_code: 'CHANNEL_NOT_FOUND', message: 'Channel not found' });
      await t.http().get(`/api/channels/${MISSING}`).set(carol.headers).expect(404);
      await t.http().get('/api/channels/not-a-uuid').set(carol.headers).expect(400);
      await t.http().get(`/api/channels/${mine.id}/audio/stats`).set(carol.headers).expect(404);
    });
  });

  describe("GET /api/channels pages, newest first, with the caller's own channels never crowded out", () => {
    it('answers {success, data, pagination}; the pages together hold every visible channel once', async () => {
      const [crowd, me] = [await loginAs(t, { role: 'admin' }), await loginAs(t)];
      const crowded: string[] = [];
      for (let i = 0; i < 60; i++) crowded.push((await createChannel(t, crowd.headers, { name: `crowd-${i}` })).id);
      const hidden = await createChannel(t, crowd.headers, { name: 'crowd-private', is_private: true });
      const mineOld = await createChannel(t, me.headers, { name: 'mine-old' });
      const minePrivate = await createChannel(t, me.headers, { name: 'mine-private', is_private: true });

      const first = await t.http().get('/api/channels').set(me.headers).expect(200);
      expect(first.body.pagination).toEqual({ current_page: 1, total_pages: 2, total_items: 62, items_per_page: 50, has_next: true, has_previous: false });
      const firstIds = first.body.data.map((channel: { id: string }) => channel.id);
      expect(firstIds.slice(0, 3)).toEqual([minePrivate.id, mineOld.id, crowded[59]]);
      expect(firstIds).toHaveLength(50);

      const second = await t.http().get('/api/channels?page=2').set(me.headers).expect(200);
      expect(second.body.pagination).toMatchObject({ current_page: 2, total_pages: 2, has_next: false, has_previous: true });
      const secondIds = second.body.data.map((channel: { id: string }) => channel.id);
      expect(secondIds).toEqual(crowded.slice(0, 12).reverse());
      expect(new Set([...firstIds, ...secondIds]).size).toBe(62);
      expect([...firstIds, ...secondIds]).not.toContain(hidden.id);

      const small = await t.http().get('/api/channels?page=3&limit=2').set(me.headers).expect(200);
      expect(small.body.data.map((channel: { id: string }) => channel.id)).toEqual([crowded[57], crowded[56]]);
      expect(small.body.pagination).toEqual({ current_page: 3, total_pages: 31, total_items: 62, items_per_page: 2, has_next: true, has_previous: true });
      expect((await t.http().get('/api/channels?page=99').set(me.headers).expect(200)).body.data).toEqual([]);
    });

    it.each(['limit=101', 'limit=0', 'page=0', 'page=abc', 'limit=1.5', 'extra=1'])('refuses ?%s with 400', async (query) => {
      const me = await loginAs(t);
      const res = await t.http().get(`/api/channels?${query}`).set(me.headers).expect(400);
      expect(res.body.error_code).toBe('INVALID_INPUT');
    });
  });

  describe('CHANNELS_PER_USER', () => {
    let limited: TestApp;

    beforeAll(async () => {
      limited = await createTestApp({ CHANNELS_PER_USER: '3' });
    });
    afterAll(async () => {
      await limited.clearDatabase();
      await limited.close();
    });

    it('refuses a fourth channel with 403 naming the quota; deleting one frees a place; admins are exempt', async () => {
      const [owner, admin] = [await loginAs(limited), await loginAs(limited, { role: 'admin' })];
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await createChannel(limited, owner.headers, { name: `c${i}` }));
      const refused = await limited.http().post('/api/channels').set(owner.headers).send({ name: 'c3' }).expect(403);
      expect(refused.body).toMatchObject({
        error_code: 'PERMISSION_DENIED',
        message: 'Channel quota reached: at most 3 channels per user (CHANNELS_PER_USER)',
      });
      expect(await limited.connection.collection('channels').countDocuments({ owner_id: owner.user.id })).toBe(3);

      await limited.http().delete(`/api/channels/${made[0].id}`).set(owner.headers).expect(200);
      await createChannel(limited, owner.headers, { name: 'again' });
      for (let i = 0; i < 5; i++) await createChannel(limited, admin.headers, { name: `admin-${i}` });
    });

    it('keeps to the quota when many creations race', async () => {
      const owner = await loginAs(limited);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          limited
            .http()
            .post('/api/channels')
            .set(owner.headers)
            .send({ name: `race-${i}` }),
        ),
      );
      expect(results.filter((res) => res.status === 201)).toHaveLength(3);
      expect(results.filter((res) => res.status === 403)).toHaveLength(9);
      expect(await limited.connection.collection('channels').countDocuments({ owner_id: owner.user.id })).toBe(3);
    });
  });

  describe('DELETE /api/channels/:id', () => {
    it('is for the owner or an admin', async () => {
      const [alice, bob, admin] = [await loginAs(t), await loginAs(t), await loginAs(t, { role: 'admin' })];
      const first = await createChannel(t, alice.headers, { name: 'first' });
      const second = await createChannel(t, alice.headers, { name: 'second' });
      const refused = await t.http().delete(`/api/channels/${first.id}`).set(bob.headers).expect(403);
      expect(refused.body.error_code).toBe('PERMISSION_DENIED');
      expect(await channelsInDb()).toHaveLength(2);
      expect((await t.http().delete(`/api/channels/${first.id}`).set(alice.headers).expect(200)).body).toEqual({ success: true, message: 'Channel deleted' });
      await t.http().delete(`/api/channels/${second.id}`).set(admin.headers).expect(200);
      expect(await channelsInDb()).toHaveLength(0);
      await t.http().delete(`/api/channels/${second.id}`).set(admin.headers).expect(404);
    });
  });

  describe('audio config', () => {
    const DEFAULTS = {
      sample_rate: 48000,
      channels: 2,
      bit_depth: 16,
      buffer_size: 1024,
      latency_target_ms: 50,
      codec: 'opus',
      frame_duration_ms: 20,
      max_packet_bytes: 16384,
    };

    it('is public, in the seed shape', async () => {
      expect((await t.http().get('/api/audio/config').expect(200)).body).toEqual(DEFAULTS);
    });

    it('is changed by an admin only, persisted, validated, and reset to the defaults', async () => {
      const [user, admin] = [await loginAs(t), await loginAs(t, { role: 'admin' })];
      await t.http().put('/api/advanced/audio/config').set(user.headers).send({ sample_rate: 16000 }).expect(403);
      await t.http().put('/api/advanced/audio/config').send({ sample_rate: 16000 }).expect(401);
      const res = await t.http().put('/api/advanced/audio/config').set(admin.headers).send({ sample_rate: 16000, channels: 1 }).expect(200);
      const changed = { ...DEFAULTS, sample_rate: 16000, channels: 1 };
      expect(res.body).toEqual({ success: true, data: changed });
      expect((await t.http().get('/api/audio/config').expect(200)).body).toEqual(changed);
      const stored = await t.connection.collection('settings').findOne({ _id: 'audio_config' as never });
      expect(stored?.value).toEqual(changed);

      for (const body of [
        {},
        { sample_rate: 44000 },
        { channels: 3 },
        { bit_depth: 12 },
        { buffer_size: 1000 },
        { buffer_size: 32 },
        { latency_target_ms: 5 },
        { latency_target_ms: '50' },
        { codec: 'mp3' },
        { frame_duration_ms: 25 },
        { max_packet_bytes: 70000 },
        { volume: 11 },
      ]) {
        const refused = await t.http().put('/api/advanced/audio/config').set(admin.headers).send(body).expect(400);
        expect(refused.body.error_code).toBe('INVALID_INPUT');
      }
      expect((await t.http().get('/api/audio/config').expect(200)).body).toEqual(changed);

      await t.http().post('/api/advanced/audio/config/reset').set(user.headers).expect(403);
      expect((await t.http().post('/api/advanced/audio/config/reset').set(admin.headers).expect(200)).body).toEqual({ success: true, data: DEFAULTS });
      expect((await t.http().get('/api/audio/config').expect(200)).body).toEqual(DEFAULTS);
    });
  });
});
