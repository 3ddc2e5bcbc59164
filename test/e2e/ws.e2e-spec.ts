import { randomBytes } from 'node:crypto';
import { PlainWsServer } from '../../src/common/websocket/plain-ws.server';
import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { ClientSocket, closeAll, connectAs, emitWithAck, waitFor } from '../utils/sockets';
import { binaryAudioFrame, connectWs, createChannel, parseServerFrame, WsTestClient } from '../utils/voice';

describe('plain WebSocket /ws', () => {
  let t: TestApp;
  const clients: WsTestClient[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    t = await createTestApp({ AUDIO_PING_INTERVAL_MS: '100' });
  });
  beforeEach(() => t.clearDatabase());
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    closeAll(...sockets.splice(0));
  });
  afterAll(() => t.close());

  /** A /ws client; `binary` opts in to binary audio frames (otherwise it only ever receives JSON). */
  const ws = async (user: LoggedIn, { binary = false } = {}) => {
    const client = await connectWs(t, user.accessToken, {}, t.port, binary);
    clients.push(client);
    return client;
  };
  const joinWs = async (client: WsTestClient, channelId: string) => {
    client.send({ type: 'JoinChannel', channel_id: channelId });
    return client.next('JoinedChannel');
  };

  it('refuses the upgrade with 401 and the SPEC error body without a valid credential, and 403 for a foreign origin', async () => {
    const refused = (await connectWs(t, null).catch((error: unknown) => error)) as { status: number; headers: Record<string, string>; body: object };
    expect(refused.status).toBe(401);
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.body).toEqual({
      success: false,
      statusCode: 401,
      error_code: 'UNAUTHORIZED',
      message: expect.any(String),
      error: expect.any(String),
      timestamp: expect.any(Number),
      path: '/ws',
      request_id: refused.headers['x-request-id'],
    });
    // A well-formed id of the client's own is kept, so it can correlate the refusal with the logs.
    await expect(connectWs(t, null, { 'X-Request-Id': 'client-trace-7' })).rejects.toMatchObject({
      headers: { 'x-request-id': 'client-trace-7' },
      body: { request_id: 'client-trace-7' },
    });
    await expect(connectWs(t, 'forged.jwt.value')).rejects.toMatchObject({ status: 401 });
    await expect(connectWs(t, '3b241101-e2bb-4255-8caf-4136c566a962')).rejects.toMatchObject({ status: 401 });
    const user = await loginAs(t);
    await expect(connectWs(t, user.accessToken, { Origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
  });

  it('accepts a JWT or a session token in ?token=, or the credential headers', async () => {
    const user = await loginAs(t);
    clients.push(await connectWs(t, user.accessToken));
    clients.push(await connectWs(t, user.sessionToken));
    clients.push(await connectWs(t, null, { Authorization: `Bearer ${user.accessToken}` }));
    clients.push(await connectWs(t, null, { 'INSAkari-Connect-Token': user.sessionToken }));
  });

  it('speaks the JSON channel protocol: join, UserJoined, base64 AudioData to the others, leave, UserLeft', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await ws(alice), await ws(bob)];
    expect(await joinWs(a, channel.id)).toEqual({ type: 'JoinedChannel', channel_id: channel.id, members: [alice.user.id] });
    b.send({ type: 'JoinChannel', channel_id: channel.id, user_id: bob.user.id });
    expect(await a.next('UserJoined')).toEqual({ type: 'UserJoined', user_id: bob.user.id, channel_id: channel.id });
    await b.next('JoinedChannel');
    const data = randomBytes(160).toString('base64');
    a.send({ type: 'AudioData', channel_id: channel.id, data, seq: 7, timestamp: 1234.5 });
    expect(await b.next('AudioData')).toEqual({ type: 'AudioData', user_id: alice.user.id, channel_id: channel.id, data, seq: 7, timestamp: 1234.5 });
    b.send({ type: 'LeaveChannel', channel_id: channel.id });
    expect(await b.next('LeftChannel')).toEqual({ type: 'LeftChannel', channel_id: channel.id });
    expect(await a.next('UserLeft')).toEqual({ type: 'UserLeft', user_id: bob.user.id, channel_id: channel.id });
    expect(a.texts.filter((message) => message.type === 'AudioData')).toEqual([]);
  });

  it('answers Error frames for bad JSON, unknown types, bad fields and non-members, and keeps the socket', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await ws(alice), await ws(bob)];
    await joinWs(a, channel.id);
    b.ws.send('{not json');
    expect(await b.next('Error')).toEqual({ type: 'Error', error_code: 'INVALID_INPUT', message: 'Malformed JSON' });
    b.send({ type: 'Dance' });
    expect(await b.next('Error')).toMatchObject({ error_code: 'INVALID_INPUT' });
    b.send({ type: 'JoinChannel', channel_id: { $ne: null } });
    expect(await b.next('Error')).toMatchObject({ error_code: 'INVALID_INPUT' });
    b.send({ type: 'JoinChannel', channel_id: '3b241101-e2bb-4255-8caf-4136c566a962' });
    expect(await b.next('Error')).toMatchObject({ error_code: 'CHANNEL_NOT_FOUND' });
    b.send({ type: 'AudioData', channel_id: channel.id, data: 'AAAA' });
    expect(await b.next('Error')).toEqual({ type: 'Error', error_code: 'PERMISSION_DENIED', message: 'Not a member of this channel' });
    b.ws.send(binaryAudioFrame(channel.id, Buffer.from([1, 2, 3])));
    expect(await b.next('Error')).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    b.ws.send(Buffer.from([9, 9, 9]));
    expect(await b.next('Error')).toMatchObject({ error_code: 'INVALID_INPUT' });
    expect(await joinWs(b, channel.id)).toMatchObject({ members: [alice.user.id, bob.user.id] });
    expect(a.texts.filter((message) => message.type === 'AudioData')).toEqual([]);
  });

  it('relays binary frames byte-exact through the binary fast path', async () => {
    const users = await Promise.all([loginAs(t), loginAs(t), loginAs(t)]);
    const channel = await createChannel(t, users[0].headers);
    const [a, b, c] = await Promise.all(users.map((user) => ws(user, { binary: true })));
    for (const client of [a, b, c]) await joinWs(client, channel.id);
    const payloads = Array.from({ length: 30 }, (_, i) => randomBytes(160 + i));
    payloads.forEach((payload, seq) => a.ws.send(binaryAudioFrame(channel.id, payload, seq, 5000 + seq * 20)));
    for (const receiver of [b, c]) {
      const frames = (await receiver.binary(30)).map(parseServerFrame);
      frames.forEach((frame, seq) => {
        expect(frame).toEqual({ type: 1, channel_id: channel.id, user_id: users[0].user.id, seq, timestamp: 5000 + seq * 20, data: expect.any(Buffer) });
        expect(frame.data.equals(payloads[seq])).toBe(true);
      });
    }
    // Frames reach a client in the order they were sent: an echo of a's own frames would arrive before b's reply.
    b.ws.send(binaryAudioFrame(channel.id, Buffer.from('reply'), 0, 0));
    const [reply] = (await a.binary(1)).map(parseServerFrame);
    expect(reply).toMatchObject({ user_id: users[1].user.id, data: Buffer.from('reply') });
    expect(a.binaries).toHaveLength(0);
  });

  it('sends binary audio to a JSON-only client as a JSON AudioData frame with base64 data, and binary only to clients that opted in', async () => {
    const [speaker, jsonOnly, binaryClient] = [await loginAs(t), await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, speaker.headers);
    const s = await connectAs(t.url, speaker.accessToken, '/voice');
    sockets.push(s);
    const [j, b] = [await ws(jsonOnly), await ws(binaryClient, { binary: true })];
    await emitWithAck(s, 'JoinChannel', { channel_id: channel.id });
    await joinWs(j, channel.id);
    await joinWs(b, channel.id);
    const fromVoice = randomBytes(200);
    s.emit('AudioData', { channel_id: channel.id, data: fromVoice, seq: 3, timestamp: 60 });
    expect(await j.next('AudioData')).toEqual({
      type: 'AudioData',
      user_id: speaker.user.id,
      channel_id: channel.id,
      data: fromVoice.toString('base64'),
      seq: 3,
      timestamp: 60,
    });
    const [binary] = (await b.binary(1)).map(parseServerFrame);
    expect(binary).toMatchObject({ user_id: speaker.user.id, seq: 3, timestamp: 60 });
    expect(binary.data.equals(fromVoice)).toBe(true);

    // The same from a /ws sender of binary frames: the JSON-only member still gets JSON.
    b.ws.send(binaryAudioFrame(channel.id, Buffer.from('from ws'), 4, 80));
    expect(await j.next('AudioData')).toMatchObject({ user_id: binaryClient.user.id, data: Buffer.from('from ws').toString('base64'), seq: 4, timestamp: 80 });
    expect(j.binaries).toHaveLength(0);
  });

  it('mixes /ws and /voice members in one channel: each hears the other in the encoding sent', async () => {
    const [plain, sio] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, plain.headers);
    const p = await ws(plain, { binary: true });
    const s = await connectAs(t.url, sio.accessToken, '/voice');
    sockets.push(s);
    await joinWs(p, channel.id);
    await emitWithAck(s, 'JoinChannel', { channel_id: channel.id });
    expect(await p.next('UserJoined')).toMatchObject({ user_id: sio.user.id });

    const fromVoice = randomBytes(200);
    s.emit('AudioData', { channel_id: channel.id, data: fromVoice, seq: 1, timestamp: 10 });
    const [binary] = (await p.binary(1)).map(parseServerFrame);
    expect(binary).toMatchObject({ user_id: sio.user.id, seq: 1, timestamp: 10 });
    expect(binary.data.equals(fromVoice)).toBe(true);

    const fromWs = randomBytes(120);
    const atVoice = waitFor<Record<string, unknown>>(s, 'AudioData');
    p.ws.send(binaryAudioFrame(channel.id, fromWs, 2, 20));
    const received = await atVoice;
    expect(received).toEqual({ user_id: plain.user.id, channel_id: channel.id, data: expect.any(Buffer), seq: 2, timestamp: 20 });
    expect((received.data as Buffer).equals(fromWs)).toBe(true);

    const text = randomBytes(90).toString('base64');
    const atVoiceText = waitFor(s, 'AudioData');
    p.send({ type: 'AudioData', channel_id: channel.id, data: text });
    expect(await atVoiceText).toEqual({ user_id: plain.user.id, channel_id: channel.id, data: text, seq: null, timestamp: null });

    const left = p.next('UserLeft');
    s.disconnect();
    expect(await left).toEqual({ type: 'UserLeft', user_id: sio.user.id, channel_id: channel.id });
  });

  it('closes only the offender with 1009 on a frame over 64 KB; the others keep talking', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await ws(alice), await ws(bob)];
    await joinWs(a, channel.id);
    await joinWs(b, channel.id);
    const left = a.next('UserLeft');
    b.ws.send(Buffer.alloc(64 * 1024 + 1));
    expect((await b.closed).code).toBe(1009);
    expect(await left).toMatchObject({ user_id: bob.user.id });
    const c = await ws(bob, { binary: true });
    await joinWs(c, channel.id);
    a.ws.send(binaryAudioFrame(channel.id, Buffer.from('still here')));
    expect(parseServerFrame((await c.binary(1))[0]).data.toString()).toBe('still here');
  });

  it('pushes the user events and is closed when its session is revoked', async () => {
    const user = await loginAs(t);
    const client = await ws(user);
    const created = await t.http().post('/users').send({ username: 'newcomer', password: 'Sup3r!secret' }).expect(201);
    const { email: _hidden, ...profile } = created.body;
    expect(await client.next('user_created')).toEqual({ type: 'user_created', user: profile });
    await t.http().post(`/users/${created.body.id}/score`).set({ 'X-API-Key': process.env.SERVICE_API_KEY }).send({ increment: 5 }).expect(200);
    expect(await client.next('UPDATE_SCORE')).toEqual({ type: 'UPDATE_SCORE', id: created.body.id, username: 'newcomer', score: 5, increment: 5 });
    await t.http().post('/auth/logout').set(user.headers).expect(200);
    expect((await client.closed).code).toBe(1008);
  });

  it('measures round trips with protocol pings (no client code)', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [a, b] = [await ws(alice), await ws(bob, { binary: true })];
    await joinWs(a, channel.id);
    await joinWs(b, channel.id);
    for (let seq = 0; seq < 10; seq++) a.ws.send(binaryAudioFrame(channel.id, Buffer.alloc(160), seq, seq * 20));
    await b.binary(10);
    // Pings go out every 100 ms here; the ws client answers them by itself. How fast is the machine's business, not the contract's.
    await eventually(async () => {
      const stats = (await t.http().get(`/api/channels/${channel.id}/audio/stats`).set(alice.headers).expect(200)).body.data;
      expect(stats).toMatchObject({ packets_received: 10, packets_sent: 10, packet_loss_rate: 0 });
      expect(stats.average_latency_ms).toBeGreaterThan(0);
      expect(stats.audio_quality_score).toBeGreaterThan(0);
      expect(stats.audio_quality_score).toBeLessThanOrEqual(1);
    });
  });

  it('serves /ws on WS_PORT too', async () => {
    const second = await createTestApp({ WS_PORT: '0', HOST: '127.0.0.1' });
    try {
      const port = second.app.get(PlainWsServer).extraPort;
      expect(port).toEqual(expect.any(Number));
      expect(port).not.toBe(second.port);
      const user = await loginAs(second);
      const client = await connectWs(second, user.accessToken, {}, port);
      client.send({ type: 'Dance' });
      expect(await client.next('Error')).toMatchObject({ error_code: 'INVALID_INPUT' });
      client.close();
      await client.closed;
    } finally {
      await second.close();
    }
  });
});
