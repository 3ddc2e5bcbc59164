import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { loginAs, LoggedIn } from '../utils/auth';
import { Cluster, Instance, startCluster } from '../utils/cluster';
import { eventually } from '../utils/eventually';
import { closeAll, ClientSocket, collect, connectRecording, emitWithAck, expectNoEvent, waitFor } from '../utils/sockets';
import { parseServerFrame, WsTestClient } from '../utils/voice';

jest.setTimeout(180_000);

interface AudioOut {
  user_id: string;
  channel_id: string;
  data: Buffer | string;
  seq: number | null;
  timestamp: number | null;
}

/**
 * Two real instances of the built service on one Redis and one database, with
 * clients deliberately on different instances: channel capacity, voice and
 * call signaling act as one service, and a SIGKILLed instance's seats and
 * calls are released (SPEC section 8).
 */
describe('cluster: channels, voice and calls across instances', () => {
  let cluster: Cluster;
  let i0: Instance;
  let i1: Instance;
  const sockets: ClientSocket[] = [];
  const wsClients: WsTestClient[] = [];

  /**
   * On `/`, resolves once the `users` list arrived: the server sends it after the socket's presence is
   * recorded, so a call placed from another instance right after finds the user online.
   */
  async function socketOn(instance: Instance, login: LoggedIn, namespace = '/'): Promise<ClientSocket> {
    const client = await connectRecording(instance.url, login.accessToken, namespace, { record: namespace === '/' ? ['users'] : [] });
    sockets.push(client.socket);
    if (namespace === '/') await client.first('users', 5000);
    return client.socket;
  }

  async function wsOn(instance: Instance, login: LoggedIn): Promise<WsTestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${instance.port}/ws?token=${encodeURIComponent(login.accessToken)}`);
    const client = new WsTestClient(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    wsClients.push(client);
    return client;
  }

  async function channelOn(instance: Instance, owner: LoggedIn, maxUsers = 10): Promise<string> {
    const res = await instance.http().post('/api/channels').set(owner.headers).send({ name: 'Across', max_users: maxUsers }).expect(201);
    return (res.body as { data: { id: string } }).data.id;
  }

  async function membersOf(instance: Instance, login: LoggedIn, channelId: string): Promise<string[]> {
    const res = await instance.http().get(`/api/channels/${channelId}`).set(login.headers).expect(200);
    return (res.body as { data: { members: string[] } }).data.members;
  }

  /** The /ws client's next `n` audio packets, whichever form the server sends them in (binary frames or JSON with base64). */
  async function wsAudio(client: WsTestClient, n: number): Promise<{ user_id: string; seq: number | null; data: Buffer }[]> {
    await eventually(() => {
      expect(client.binaries.length + client.texts.filter((message) => message.type === 'AudioData').length).toBeGreaterThanOrEqual(n);
      return Promise.resolve();
    }, 10_000);
    if (client.binaries.length > 0) {
      return (await client.binary(n)).map((frame) => {
        const parsed = parseServerFrame(frame);
        return { user_id: parsed.user_id, seq: parsed.seq, data: Buffer.from(parsed.data) };
      });
    }
    const packets = [];
    for (let i = 0; i < n; i++) {
      const message = await client.next('AudioData');
      packets.push({ user_id: message.user_id as string, seq: message.seq as number | null, data: Buffer.from(message.data as string, 'base64') });
    }
    return packets;
  }

  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
    [i0, i1] = cluster.instances;
  });
  afterEach(() => {
    closeAll(...sockets.splice(0));
    for (const client of wsClients.splice(0)) client.close();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('admits exactly 2 of 6 users racing for 2 seats from both instances, and every instance sees the same members', async () => {
    const owner = await loginAs(cluster.on(0));
    const channelId = await channelOn(i0, owner, 2);
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => loginAs(cluster.on(i % 2))));
    const voiceSockets = await Promise.all(users.map((user, i) => socketOn(cluster.instances[i % 2], user, '/voice')));

    const acks = await Promise.all(
      voiceSockets.map((socket) => emitWithAck<{ ok: boolean; error_code?: string }>(socket, 'JoinChannel', { channel_id: channelId }, 10_000)),
    );
    expect(acks.filter((ack) => ack.ok)).toHaveLength(2);
    expect(acks.filter((ack) => !ack.ok).map((ack) => ack.error_code)).toEqual(['CHANNEL_FULL', 'CHANNEL_FULL', 'CHANNEL_FULL', 'CHANNEL_FULL']);
    const admitted = users.filter((_, i) => acks[i].ok).map((user) => user.user.id);
    expect((await membersOf(i0, owner, channelId)).sort()).toEqual([...admitted].sort());
    expect((await membersOf(i1, owner, channelId)).sort()).toEqual([...admitted].sort());
    const listed = await i1.http().get('/api/channels').set(owner.headers).expect(200);
    expect((listed.body as { data: { id: string; current_users: number }[] }).data.find((channel) => channel.id === channelId)?.current_users).toBe(2);
  });

  it('lets a /voice member on one instance and a /ws member on the other hear each other byte-exact and in order, counted in the statistics', async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const channelId = await channelOn(i0, alice);
    const voice = await socketOn(i0, alice, '/voice');
    expect(await emitWithAck(voice, 'JoinChannel', { channel_id: channelId })).toEqual({ ok: true, channel_id: channelId, members: [alice.user.id] });

    const ws = await wsOn(i1, bob);
    const joinedAnnounced = waitFor(voice, 'UserJoined', 5000);
    ws.send({ type: 'JoinChannel', channel_id: channelId });
    expect(await ws.next('JoinedChannel', 5000)).toEqual({ type: 'JoinedChannel', channel_id: channelId, members: [alice.user.id, bob.user.id] });
    expect(await joinedAnnounced).toEqual({ user_id: bob.user.id, channel_id: channelId });

    // /voice (binary) → /ws on the other instance.
    const fromVoice = Array.from({ length: 40 }, () => randomBytes(160));
    fromVoice.forEach((data, seq) => voice.emit('AudioData', { channel_id: channelId, data, seq, timestamp: 1000 + seq * 20 }));
    const heardByWs = await wsAudio(ws, 40);
    expect(heardByWs.map((packet) => packet.seq)).toEqual(fromVoice.map((_, seq) => seq));
    expect(heardByWs.map((packet) => packet.data.toString('hex'))).toEqual(fromVoice.map((data) => data.toString('hex')));
    expect(new Set(heardByWs.map((packet) => packet.user_id))).toEqual(new Set([alice.user.id]));

    // /ws (JSON, base64) → /voice on the other instance, in the same encoding.
    const fromWs = Array.from({ length: 40 }, () => randomBytes(120).toString('base64'));
    const heardByVoice = collect<AudioOut>(voice, 'AudioData', 40, 10_000);
    fromWs.forEach((data, seq) => ws.send({ type: 'AudioData', channel_id: channelId, data, seq, timestamp: 5000 + seq * 20 }));
    const received = await heardByVoice;
    expect(received.map((packet) => packet.seq)).toEqual(fromWs.map((_, seq) => seq));
    expect(received.map((packet) => packet.data)).toEqual(fromWs);
    expect(received[0]).toEqual({ user_id: bob.user.id, channel_id: channelId, data: fromWs[0], seq: 0, timestamp: 5000 });

    // Both instances' traffic in the channel statistics, whichever instance answers.
    for (const instance of [i0, i1]) {
      await eventually(async () => {
        const res = await instance.http().get(`/api/advanced/channels/${channelId}/statistics`).set(alice.headers).expect(200);
        const stats = (res.body as { audio_stats: { packets_received: number; packets_sent: number; bytes_transferred: number } }).audio_stats;
        expect(stats.packets_received).toBe(80);
        expect(stats.packets_sent).toBe(80);
        expect(stats.bytes_transferred).toBe(2 * (40 * 160 + 40 * 120));
      }, 10_000);
    }
    // User statistics too: each sender's packets, asked on the instance the sender is not on.
    await eventually(async () => {
      const res = await i1.http().get(`/api/advanced/users/${alice.user.id}/statistics`).set(alice.headers).expect(200);
      expect((res.body as { data: { audio_packets_sent: number; audio_bytes_sent: number } }).data).toMatchObject({
        audio_packets_sent: 40,
        audio_bytes_sent: 40 * 160,
      });
    }, 10_000);
    await eventually(async () => {
      const res = await i0.http().get(`/api/advanced/users/${bob.user.id}/statistics`).set(bob.headers).expect(200);
      expect((res.body as { data: { audio_packets_sent: number } }).data.audio_packets_sent).toBe(40);
    }, 10_000);
    await eventually(async () => {
      const res = await i0.http().get('/api/advanced/statistics/server').set(alice.headers).expect(200);
      expect((res.body as { total_audio_packets: number }).total_audio_packets).toBeGreaterThanOrEqual(80);
    }, 10_000);

    // Leaving on one instance is told on the other; audio stops crossing.
    const left = waitFor(voice, 'UserLeft', 5000);
    ws.send({ type: 'LeaveChannel', channel_id: channelId });
    expect(await left).toEqual({ user_id: bob.user.id, channel_id: channelId });
  });

  it('signals calls between instances with the busy, offline and parties-only rules', async () => {
    const [alice, bob, carol, dave] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1)), await loginAs(cluster.on(1)), await loginAs(cluster.on(0))];
    const a = await socketOn(i0, alice);
    const b = await socketOn(i1, bob);
    const c = await socketOn(i1, carol);

    const ringing = waitFor(b, 'incomingCall', 5000);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: { type: 'offer', sdp: 'v=0' } }, 5000)).toEqual({
      ok: true,
      status: 'ringing',
    });
    expect(await ringing).toEqual({ from: alice.user.id, username: alice.user.username, signalData: { type: 'offer', sdp: 'v=0' } });

    // Bob is in a call placed on the other instance: busy.
    const busy = waitFor(c, 'callRejected', 5000);
    expect(await emitWithAck(c, 'callUser', { targetUserId: bob.user.id, signalData: {} }, 5000)).toEqual({ ok: true, status: 'busy' });
    expect(await busy).toEqual({ from: bob.user.id, reason: 'busy' });
    // Dave has an account but no socket on any instance.
    expect(await emitWithAck(c, 'callUser', { targetUserId: dave.user.id, signalData: {} }, 5000)).toMatchObject({
      ok: false,
      error_code: 'USER_NOT_CONNECTED',
    });
    // Only the parties may answer, send candidates or end.
    expect(await emitWithAck(c, 'answerCall', { targetUserId: alice.user.id, signalData: {} }, 5000)).toMatchObject({
      ok: false,
      error_code: 'PERMISSION_DENIED',
    });
    expect(await emitWithAck(c, 'iceCandidate', { targetUserId: alice.user.id, candidate: { candidate: 'x' } }, 5000)).toMatchObject({
      ok: false,
      error_code: 'PERMISSION_DENIED',
    });
    expect(await emitWithAck(c, 'endCall', { targetUserId: bob.user.id }, 5000)).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });

    const accepted = waitFor(a, 'callAccepted', 5000);
    expect(await emitWithAck(b, 'answerCall', { targetUserId: alice.user.id, signalData: { type: 'answer', sdp: 'v=0' } }, 5000)).toEqual({ ok: true });
    expect(await accepted).toEqual({ from: bob.user.id, signalData: { type: 'answer', sdp: 'v=0' } });

    const candidateAtA = waitFor(a, 'iceCandidate', 5000);
    expect(await emitWithAck(b, 'iceCandidate', { targetUserId: alice.user.id, candidate: { candidate: 'cb' } }, 5000)).toEqual({ ok: true });
    expect(await candidateAtA).toEqual({ from: bob.user.id, candidate: { candidate: 'cb' } });

    const ended = waitFor(b, 'callEnded', 5000);
    expect(await emitWithAck(a, 'endCall', { targetUserId: bob.user.id }, 5000)).toEqual({ ok: true });
    expect(await ended).toEqual({ from: alice.user.id });
    // Both are free again, from either instance.
    expect(await emitWithAck(c, 'callUser', { targetUserId: alice.user.id, signalData: {} }, 5000)).toEqual({ ok: true, status: 'ringing' });
    expect(await emitWithAck(c, 'endCall', { targetUserId: alice.user.id }, 5000)).toEqual({ ok: true });
  });

  it('applies an audio config change made on one instance on every instance, telling each voice client once', async () => {
    const admin = await loginAs(cluster.on(0), { role: 'admin' });
    const listener = await loginAs(cluster.on(1));
    const voice = await socketOn(i1, listener, '/voice');
    const ws = await wsOn(i1, listener);
    const told = collect<{ config: { max_packet_bytes: number } }>(voice, 'AudioConfigChanged', 1, 5000);
    await i0.http().put('/api/advanced/audio/config').set(admin.headers).send({ buffer_size: 512 }).expect(200);
    expect((await told)[0].config).toMatchObject({ buffer_size: 512 });
    expect(await ws.next('AudioConfigChanged', 5000)).toMatchObject({ config: { buffer_size: 512 } });
    const res = await i1.http().get('/api/audio/config').expect(200);
    expect(res.body).toMatchObject({ buffer_size: 512 });
    await expectNoEvent(voice, 'AudioConfigChanged', 500);
    await i1.http().post('/api/advanced/audio/config/reset').set(admin.headers).expect(200);
    await eventually(async () => {
      expect((await i0.http().get('/api/audio/config').expect(200)).body).toMatchObject({ buffer_size: 1024 });
    }, 5000);
  });

  it('tells members on the other instance when a channel is deleted, and its seats stay gone', async () => {
    const [owner, member] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const channelId = await channelOn(i0, owner);
    const voice = await socketOn(i1, member, '/voice');
    await emitWithAck(voice, 'JoinChannel', { channel_id: channelId });
    const left = waitFor(voice, 'UserLeft', 5000);
    const deleted = waitFor(voice, 'ChannelDeleted', 5000);
    await i0.http().delete(`/api/channels/${channelId}`).set(owner.headers).expect(200);
    expect(await left).toEqual({ user_id: member.user.id, channel_id: channelId });
    expect(await deleted).toEqual({ channel_id: channelId });
    // Past the instances' heal period, the member's old seat has not come back.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const res = await i1.http().get(`/api/advanced/users/${member.user.id}/statistics`).set(member.headers).expect(200);
    expect((res.body as { data: { current_channel: string | null } }).data.current_channel).toBeNull();
    await eventually(async () => {
      const server = await i0.http().get('/api/advanced/statistics/server').set(owner.headers).expect(200);
      expect((server.body as { active_channels: number }).active_channels).toBe(0);
    }, 3000);
  });

  it('heals channel membership, the voice link and signaling after Redis restarts empty, without restarting an instance', async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const channelId = await channelOn(i0, alice);
    const a = await socketOn(i0, alice, '/voice');
    const b = await socketOn(i1, bob, '/voice');
    await emitWithAck(a, 'JoinChannel', { channel_id: channelId });
    await emitWithAck(b, 'JoinChannel', { channel_id: channelId });

    await cluster.redis.stop();
    await eventually(async () => {
      await i0.http().get('/health/ready').expect(503);
    }, 10_000);
    await cluster.redis.start();

    await eventually(async () => {
      expect((await membersOf(i1, bob, channelId)).sort()).toEqual([alice.user.id, bob.user.id].sort());
    }, 15_000);
    // Audio crosses again: alice speaks until bob hears her.
    let seq = 0;
    const heard = waitFor<AudioOut>(b, 'AudioData', 15_000);
    const speaking = setInterval(() => a.emit('AudioData', { channel_id: channelId, data: Buffer.from([seq++ % 256]), seq }), 100);
    try {
      expect(await heard).toMatchObject({ user_id: alice.user.id, channel_id: channelId });
    } finally {
      clearInterval(speaking);
    }
    // Signaling across the instances works again too (the Socket.IO adapter's subscriptions are back).
    const caller = await socketOn(i0, alice);
    const callee = await socketOn(i1, bob);
    await eventually(async () => {
      const ringing = waitFor(callee, 'incomingCall', 1000);
      expect(await emitWithAck(caller, 'callUser', { targetUserId: bob.user.id, signalData: {} }, 5000)).toEqual({ ok: true, status: 'ringing' });
      try {
        await ringing;
      } finally {
        await emitWithAck(caller, 'endCall', { targetUserId: bob.user.id }, 5000);
      }
    }, 15_000);
    // The healed capacity holds: the channel still counts both.
    const listed = await i0.http().get('/api/channels').set(alice.headers).expect(200);
    expect((listed.body as { data: { id: string; current_users: number }[] }).data.find((channel) => channel.id === channelId)?.current_users).toBe(2);
  });

  // Last: it leaves one instance dead.
  it("releases a SIGKILLed instance's seats and calls within 15 s, telling the members and the other party", async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const channelId = await channelOn(i0, alice, 2);
    const voiceA = await socketOn(i0, alice, '/voice');
    const voiceB = await socketOn(i1, bob, '/voice');
    await emitWithAck(voiceA, 'JoinChannel', { channel_id: channelId });
    await emitWithAck(voiceB, 'JoinChannel', { channel_id: channelId });
    const a = await socketOn(i0, alice);
    const b = await socketOn(i1, bob);
    const ringing = waitFor(b, 'incomingCall', 5000);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: {} }, 5000)).toEqual({ ok: true, status: 'ringing' });
    await ringing;
    await emitWithAck(b, 'answerCall', { targetUserId: alice.user.id, signalData: {} }, 5000);

    const userLeft = waitFor(voiceA, 'UserLeft', 15_000);
    const callEnded = waitFor(a, 'callEnded', 15_000);
    const killedAt = Date.now();
    await i1.kill();
    expect(await userLeft).toEqual({ user_id: bob.user.id, channel_id: channelId });
    expect(await callEnded).toEqual({ from: bob.user.id });
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(await membersOf(i0, alice, channelId)).toEqual([alice.user.id]);

    // The seat is free again and alice is out of the call.
    const carol = await loginAs(cluster.on(0));
    const voiceC = await socketOn(i0, carol, '/voice');
    expect(await emitWithAck(voiceC, 'JoinChannel', { channel_id: channelId })).toMatchObject({ ok: true });
    const c = await socketOn(i0, carol);
    const noCall = expectNoEvent(c, 'callRejected', 300);
    expect(await emitWithAck(c, 'callUser', { targetUserId: alice.user.id, signalData: {} }, 5000)).toEqual({ ok: true, status: 'ringing' });
    await noCall;
  });
});
