import { randomBytes } from 'node:crypto';
import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { qualityScore } from '../../src/modules/audio/stats/e-model';
import { eventually } from '../utils/eventually';
import { ClientSocket, closeAll, collect, connectAs, connectError, emitWithAck, expectNoEvent, waitFor } from '../utils/sockets';
import { createChannel } from '../utils/voice';

const MISSING = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('/voice namespace', () => {
  let t: TestApp;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await createTestApp({ AUDIO_PING_INTERVAL_MS: '100' });
  });
  beforeEach(() => t.clearDatabase());
  afterEach(() => closeAll(...sockets.splice(0)));
  afterAll(() => t.close());

  const voice = async (user: LoggedIn) => {
    const socket = await connectAs(t.url, user.accessToken, '/voice');
    sockets.push(socket);
    return socket;
  };
  const join = (socket: ClientSocket, channelId: string) => emitWithAck(socket, 'JoinChannel', { channel_id: channelId });

  it('refuses a handshake without a valid credential', async () => {
    expect((await connectError(t.url, null, '/voice')).data).toEqual({ code: 'UNAUTHORIZED' });
    expect((await connectError(t.url, 'not.a.jwt', '/voice')).data).toEqual({ code: 'UNAUTHORIZED' });
  });

  it('joins with the member list in the ack and tells the others UserJoined; the member appears over REST', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await voice(alice), await voice(bob)];
    expect(await join(a, channel.id)).toEqual({ ok: true, channel_id: channel.id, members: [alice.user.id] });
    const joined = waitFor(a, 'UserJoined');
    expect(await emitWithAck(b, 'JoinChannel', { channel_id: channel.id, user_id: bob.user.id })).toEqual({
      ok: true,
      channel_id: channel.id,
      members: [alice.user.id, bob.user.id],
    });
    expect(await joined).toEqual({ user_id: bob.user.id, channel_id: channel.id });

    const details = await t.http().get(`/api/channels/${channel.id}`).set(alice.headers).expect(200);
    expect(details.body.data).toMatchObject({ current_users: 2, members: [alice.user.id, bob.user.id], total_connections: 2 });
    const stored = await t.connection.collection('channels').findOne({ _id: channel.id as never });
    expect(stored?.total_connections).toBe(2);
  });

  it('answers the SPEC error codes and changes nothing', async () => {
    const [owner, other] = [await loginAs(t), await loginAs(t)];
    const secret = await createChannel(t, owner.headers, { is_private: true });
    const small = await createChannel(t, owner.headers, { max_users: 1 });
    const [o, x] = [await voice(owner), await voice(other)];
    expect(await join(x, MISSING)).toMatchObject({ ok: false, error_code: 'CHANNEL_NOT_FOUND' });
    expect(await join(x, secret.id)).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
    expect(await join(o, small.id)).toMatchObject({ ok: true });
    expect(await join(x, small.id)).toEqual({ ok: false, error_code: 'CHANNEL_FULL', message: 'Channel is full' });
    expect(await emitWithAck(x, 'JoinChannel', { channel_id: small.id, user_id: owner.user.id })).toMatchObject({
      ok: false,
      error_code: 'PERMISSION_DENIED',
    });
    for (const payload of [{}, { channel_id: 'nope' }, { channel_id: { $gt: '' } }, { channel_id: small.id, extra: 1 }, 'text', null]) {
      expect(await emitWithAck(x, 'JoinChannel', payload)).toMatchObject({ ok: false, error_code: 'INVALID_INPUT' });
    }
    const error = waitFor(x, 'error');
    x.emit('JoinChannel', { channel_id: 42 });
    expect(await error).toMatchObject({ error_code: 'INVALID_INPUT' });
    expect(await emitWithAck(x, 'LeaveChannel', { channel_id: small.id })).toMatchObject({ ok: false, error_code: 'INVALID_INPUT' });
    const details = await t.http().get(`/api/channels/${small.id}`).set(owner.headers).expect(200);
    expect(details.body.data.members).toEqual([owner.user.id]);
  });

  it('lets exactly one of two users racing for the last seat in', async () => {
    const owner = await loginAs(t);
    const channel = await createChannel(t, owner.headers, { max_users: 2 });
    const o = await voice(owner);
    await join(o, channel.id);
    const racers = await Promise.all([loginAs(t), loginAs(t), loginAs(t), loginAs(t)]);
    const racerSockets = await Promise.all(racers.map(voice));
    const answers = await Promise.all(racerSockets.map((socket) => join(socket, channel.id)));
    expect(answers.filter((answer) => answer.ok === true)).toHaveLength(1);
    expect(answers.filter((answer) => answer.error_code === 'CHANNEL_FULL')).toHaveLength(3);
    const details = await t.http().get(`/api/channels/${channel.id}`).set(owner.headers).expect(200);
    expect(details.body.data.current_users).toBe(2);
  });

  it('relays binary frames byte-exact as binary to every other member, never to the sender', async () => {
    const users = await Promise.all([loginAs(t), loginAs(t), loginAs(t)]);
    const channel = await createChannel(t, users[0].headers);
    const [a, b, c] = await Promise.all(users.map(voice));
    for (const socket of [a, b, c]) await join(socket, channel.id);
    const frames = Array.from({ length: 20 }, (_, i) => randomBytes(100 + i));
    const atB = collect<Record<string, unknown>>(b, 'AudioData', 20);
    const atC = collect<Record<string, unknown>>(c, 'AudioData', 20);
    const atA = expectNoEvent(a, 'AudioData', 500);
    frames.forEach((data, seq) => a.emit('AudioData', { channel_id: channel.id, data, seq, timestamp: 1000 + seq * 20 }));
    for (const received of [await atB, await atC]) {
      received.forEach((packet, seq) => {
        expect(packet).toEqual({ user_id: users[0].user.id, channel_id: channel.id, data: expect.any(Buffer), seq, timestamp: 1000 + seq * 20 });
        expect((packet.data as Buffer).equals(frames[seq])).toBe(true);
      });
    }
    await atA;
  });

  it('relays base64 text as the same text, with null seq and timestamp when absent', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await voice(alice), await voice(bob)];
    await join(a, channel.id);
    await join(b, channel.id);
    const data = randomBytes(160).toString('base64');
    const received = waitFor(b, 'AudioData');
    expect(await emitWithAck(a, 'AudioData', { channel_id: channel.id, data })).toEqual({ ok: true });
    expect(await received).toEqual({ user_id: alice.user.id, channel_id: channel.id, data, seq: null, timestamp: null });
  });

  it("drops a non-member's AudioData with an error, and refuses malformed packets", async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await voice(alice), await voice(bob)];
    await join(a, channel.id);
    const nothing = expectNoEvent(a, 'AudioData', 500);
    const error = waitFor(b, 'error');
    b.emit('AudioData', { channel_id: channel.id, data: randomBytes(10) });
    expect(await error).toEqual({ error_code: 'PERMISSION_DENIED', message: 'Not a member of this channel' });
    await join(b, channel.id);
    for (const payload of [
      { channel_id: channel.id, data: 'not base64!' },
      { channel_id: channel.id, data: '' },
      { channel_id: channel.id, data: 12 },
      { channel_id: channel.id, data: 'AAAA', seq: -1 },
      { channel_id: channel.id, data: 'AAAA', seq: 1.5 },
      { channel_id: channel.id, data: 'AAAA', timestamp: 'now' },
      { channel_id: channel.id, data: 'AAAA', user_id: alice.user.id },
      { channel_id: 'x', data: 'AAAA' },
      [channel.id],
    ]) {
      expect(await emitWithAck(b, 'AudioData', payload)).toMatchObject({ ok: false, error_code: 'INVALID_INPUT' });
    }
    expect(await emitWithAck(b, 'AudioData', { channel_id: channel.id, data: randomBytes(16385) })).toMatchObject({
      ok: false,
      error_code: 'PAYLOAD_TOO_LARGE',
    });
    await nothing;
  });

  it('tells the others UserLeft on LeaveChannel and on disconnect', async () => {
    const [alice, bob, carol] = [await loginAs(t), await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b, c] = [await voice(alice), await voice(bob), await voice(carol)];
    for (const socket of [a, b, c]) await join(socket, channel.id);
    const left = waitFor(a, 'UserLeft');
    expect(await emitWithAck(b, 'LeaveChannel', { channel_id: channel.id })).toEqual({ ok: true, channel_id: channel.id });
    expect(await left).toEqual({ user_id: bob.user.id, channel_id: channel.id });
    const gone = waitFor(a, 'UserLeft');
    c.disconnect();
    expect(await gone).toEqual({ user_id: carol.user.id, channel_id: channel.id });
    const details = await t.http().get(`/api/channels/${channel.id}`).set(alice.headers).expect(200);
    expect(details.body.data.members).toEqual([alice.user.id]);
  });

  it('tells members UserLeft for each, then ChannelDeleted, when the owner deletes the channel', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await voice(alice), await voice(bob)];
    await join(a, channel.id);
    await join(b, channel.id);
    const events: unknown[] = [];
    b.on('UserLeft', (payload) => events.push(['UserLeft', payload]));
    const deleted = waitFor(b, 'ChannelDeleted');
    await t.http().delete(`/api/channels/${channel.id}`).set(alice.headers).expect(200);
    expect(await deleted).toEqual({ channel_id: channel.id });
    expect(events).toEqual([
      ['UserLeft', { user_id: alice.user.id, channel_id: channel.id }],
      ['UserLeft', { user_id: bob.user.id, channel_id: channel.id }],
    ]);
    expect(await emitWithAck(b, 'AudioData', { channel_id: channel.id, data: 'AAAA' })).toMatchObject({ error_code: 'PERMISSION_DENIED' });
  });

  it('limits AudioData per connection to the audio config frame rate (×4, one second of burst): the rest is refused, not relayed', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await voice(alice), await voice(bob)];
    await join(a, channel.id);
    await join(b, channel.id);
    let heard = 0;
    b.on('AudioData', () => heard++);
    // 20 ms frames: 200 packets per second per connection, 200 at once.
    const answers = await Promise.all(
      Array.from({ length: 260 }, (_, seq) =>
        emitWithAck<{ ok: boolean; error_code?: string }>(a, 'AudioData', { channel_id: channel.id, data: 'AAAA', seq }, 5000),
      ),
    );
    const accepted = answers.filter((answer) => answer.ok).length;
    expect(accepted).toBeGreaterThanOrEqual(200);
    expect(accepted).toBeLessThan(260);
    expect(answers.filter((answer) => !answer.ok).every((answer) => answer.error_code === 'RATE_LIMITED')).toBe(true);
    await eventually(() => expect(heard).toBe(accepted));
    expect(a.connected).toBe(true);
  });

  it('pushes AudioConfigChanged when an admin changes the config', async () => {
    const admin = await loginAs(t, { role: 'admin' });
    const listener = await voice(await loginAs(t));
    const changed = waitFor(listener, 'AudioConfigChanged');
    await t.http().put('/api/advanced/audio/config').set(admin.headers).send({ sample_rate: 16000 }).expect(200);
    expect(await changed).toEqual({ config: expect.objectContaining({ sample_rate: 16000, channels: 2 }) });
    await t.http().post('/api/advanced/audio/config/reset').set(admin.headers).expect(200);
  });

  describe('statistics', () => {
    const stats = async (user: LoggedIn, channelId: string) =>
      (await t.http().get(`/api/channels/${channelId}/audio/stats`).set(user.headers).expect(200)).body.data;

    it('answers zeros and nulls before any audio', async () => {
      const alice = await loginAs(t);
      const channel = await createChannel(t, alice.headers);
      expect(await stats(alice, channel.id)).toEqual({
        channel_id: channel.id,
        packets_sent: 0,
        packets_received: 0,
        bytes_transferred: 0,
        average_latency_ms: null,
        packet_loss_rate: null,
        audio_quality_score: null,
        jitter_ms: null,
        active_streams: 0,
        processing_latency_us: null,
      });
    });

    it('measures 10% loss for 100 packets with 10 sequence gaps, and counts what was relayed', async () => {
      const [alice, bob] = [await loginAs(t), await loginAs(t)];
      const channel = await createChannel(t, alice.headers);
      const [a, b] = [await voice(alice), await voice(bob)];
      await join(a, channel.id);
      await join(b, channel.id);
      const seqs = Array.from({ length: 100 }, (_, i) => i).filter((seq) => seq % 10 !== 3);
      const received = collect(b, 'AudioData', 90);
      for (const seq of seqs) a.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(160, seq), seq });
      await received;
      // Round trips come from the pings (every 100 ms here): wait for the first, however long this machine takes.
      let result: Record<string, number | null> = {};
      await eventually(async () => {
        result = await stats(alice, channel.id);
        expect(result.average_latency_ms).toBeGreaterThan(0);
      }, 5000);
      expect(result).toMatchObject({
        packets_received: 90,
        packets_sent: 90,
        bytes_transferred: 90 * 160 * 2,
        packet_loss_rate: 0.1,
        jitter_ms: null,
        active_streams: 1,
      });
      expect(result.average_latency_ms).toBeGreaterThan(0);
      expect(result.processing_latency_us).toBeGreaterThan(0);
      // The documented E-model over this response's own figures (which are rounded: 2 digits of agreement).
      const delay = (result.average_latency_ms as number) / 2 + (result.processing_latency_us as number) / 1000;
      expect(result.audio_quality_score).toBeCloseTo(qualityScore(delay, 0.1), 2);
      expect(result.audio_quality_score).toBeLessThan(0.75);

      const advanced = (await t.http().get(`/api/advanced/channels/${channel.id}/statistics`).set(bob.headers).expect(200)).body;
      expect(advanced).toEqual({
        channel_id: channel.id,
        current_users: 2,
        total_connections: 2,
        uptime_seconds: expect.any(Number),
        audio_stats: {
          packets_sent: 90,
          packets_received: 90,
          bytes_transferred: 90 * 160 * 2,
          average_latency_ms: expect.any(Number),
          packet_loss_rate: 0.1,
          // Round trips keep being measured between the two requests: the score follows the latency of its own response.
          audio_quality_score: expect.any(Number),
          jitter_ms: null,
        },
        performance_stats: {
          cpu_usage_percent: expect.any(Number),
          memory_usage_mb: expect.any(Number),
          active_streams: 1,
          processing_latency_us: expect.any(Number),
        },
      });
      const { audio_stats: audio, performance_stats: performance } = advanced;
      expect(audio.audio_quality_score).toBeCloseTo(qualityScore(audio.average_latency_ms / 2 + performance.processing_latency_us / 1000, 0.1), 2);
    });

    it('measures RFC 3550 jitter from sender timestamps against arrivals', async () => {
      const [steady, shaky, listener] = [await loginAs(t), await loginAs(t), await loginAs(t)];
      const [even, uneven] = [await createChannel(t, steady.headers, { name: 'even' }), await createChannel(t, shaky.headers, { name: 'uneven' })];
      const [s, k, l] = [await voice(steady), await voice(shaky), await voice(listener)];
      await join(s, even.id);
      await join(k, uneven.id);
      await join(l, even.id);
      await join(l, uneven.id);
      const received = collect(l, 'AudioData', 40, 5000);
      // Both send 20 packets back to back. The steady one stamps them all alike, as they leave together: the
      // transit times differ only by how the packets' arrivals spread. The shaky one stamps them a second apart,
      // so every transit differs by about a second: |D| ≈ 1000 ms for each of its 19 pairs.
      for (let i = 0; i < 20; i++) {
        s.emit('AudioData', { channel_id: even.id, data: Buffer.alloc(160), seq: i, timestamp: 0 });
        k.emit('AudioData', { channel_id: uneven.id, data: Buffer.alloc(160), seq: i, timestamp: i * 1000 });
      }
      await received;
      const [evenStats, unevenStats] = [await stats(steady, even.id), await stats(shaky, uneven.id)];
      // J after 19 samples of |D| ≈ 1000 from 0: 1000 × (1 − (15/16)^19) ≈ 707 ms, less the spread of arrivals.
      const spread = evenStats.jitter_ms as number;
      expect(spread).toBeGreaterThanOrEqual(0);
      expect(unevenStats.jitter_ms).toBeGreaterThan(707 - 2 * spread - 50);
      expect(unevenStats.jitter_ms).toBeLessThan(708);
    });

    it('ignores implausible timestamp jumps: a sender alternating 0 and 1.79e308 cannot wipe out the jitter or the quality score', async () => {
      const [honest, poisoner, listener] = [await loginAs(t), await loginAs(t), await loginAs(t)];
      const channel = await createChannel(t, honest.headers);
      const [h, p, l] = [await voice(honest), await voice(poisoner), await voice(listener)];
      for (const socket of [h, p, l]) await join(socket, channel.id);
      const received = collect(l, 'AudioData', 40, 5000);
      for (let i = 0; i < 20; i++) {
        h.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(160), seq: i, timestamp: i * 20 });
        p.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(160), seq: i, timestamp: i % 2 === 0 ? 0 : 1.79e308 });
      }
      await received;
      const result = await stats(honest, channel.id);
      expect(result).toMatchObject({ packets_received: 40, packet_loss_rate: 0 });
      expect(result.jitter_ms).toEqual(expect.any(Number));
      expect(result.jitter_ms).toBeLessThan(1000);
      expect(result.audio_quality_score).toBeGreaterThan(0);
    });

    it('takes the transit jump it treats as a clock jump from AUDIO_MAX_TRANSIT_JUMP_MS', async () => {
      // With 500 ms, a sender stamping its packets a second apart (|D| ≈ 1000 ms, ~707 ms of jitter by default) is all clock jumps.
      const strict = await createTestApp({ AUDIO_MAX_TRANSIT_JUMP_MS: '500' });
      const opened: ClientSocket[] = [];
      try {
        const [shaky, listener] = [await loginAs(strict), await loginAs(strict)];
        const channel = await createChannel(strict, shaky.headers);
        for (const user of [shaky, listener]) opened.push(await connectAs(strict.url, user.accessToken, '/voice'));
        const [k, l] = opened;
        for (const socket of opened) await emitWithAck(socket, 'JoinChannel', { channel_id: channel.id });
        const received = collect(l, 'AudioData', 20, 5000);
        for (let i = 0; i < 20; i++) k.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(160), seq: i, timestamp: i * 1000 });
        await received;
        const result = (await strict.http().get(`/api/channels/${channel.id}/audio/stats`).set(shaky.headers).expect(200)).body.data;
        expect(result).toMatchObject({ packets_received: 20, jitter_ms: null });
      } finally {
        closeAll(...opened);
        await strict.close();
      }
    });

    it('adds channels joined and audio sent to the user statistics', async () => {
      const [alice, bob] = [await loginAs(t), await loginAs(t)];
      const channel = await createChannel(t, alice.headers);
      const [a, b] = [await voice(alice), await voice(bob)];
      await join(a, channel.id);
      await join(b, channel.id);
      const received = collect(b, 'AudioData', 5);
      for (let seq = 0; seq < 5; seq++) a.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(100), seq });
      await received;
      // Per-user counters are flushed every second: poll rather than guess how long that takes here.
      await eventually(async () => {
        const res = await t.http().get(`/api/advanced/users/${alice.user.id}/statistics`).set(alice.headers).expect(200);
        expect(res.body.data).toMatchObject({ channels_joined: 1, audio_packets_sent: 5, audio_bytes_sent: 500, current_channel: channel.id });
      }, 5000);
    });
  });
});
