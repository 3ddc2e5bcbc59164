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
      expect(await names(alice.headers)).toEqual(['open', 'mine', 'shared']);
      expect(await names(bob.headers)).toEqual(['open', 'shared']);
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
