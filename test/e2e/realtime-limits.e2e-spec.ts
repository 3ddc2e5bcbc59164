import WebSocket from 'ws';
import { logIn, loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { metricValue } from '../utils/metrics';
import { ClientSocket, closeAll, connectAs, connectError, disconnected, emitWithAck, pauseReading } from '../utils/sockets';
import { binaryAudioFrame, connectWs, createChannel, WsTestClient } from '../utils/voice';

/** 16 KB audio frames (the default max_packet_bytes is 16384). */
const FRAME = Buffer.alloc(16_000, 7);
const BATCH = 20;
/** Far more than the kernel buffers of a loopback connection and the outgoing cap together (64 MB). */
const MAX_BATCHES = 200;
const UNKNOWN_USER = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('realtime limits', () => {
  let t: TestApp;
  const clients: WsTestClient[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    // A short grace so a slow consumer is dropped within the test; audio fast enough to fill buffers quickly.
    t = await createTestApp({ SOCKET_SLOW_GRACE_MS: '1000', SOCKET_AUDIO_RATE_FACTOR: '100' });
  });
  beforeEach(() => t.clearDatabase());
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    closeAll(...sockets.splice(0));
  });
  afterAll(() => t.close());

  const slowConsumerDrops = (namespace: string) => metricValue(t, 'realtime_socket_disconnects_total', { namespace, reason: 'slow_consumer' });

  /**
   * Sends 16 KB frames from a /ws speaker in batches, each batch only once the
   * well-behaved listener got it (so it is never behind), until the server
   * reports it dropped a slow consumer on `namespace`. Returns the frames sent.
   */
  async function floodUntilDropped(speaker: WsTestClient, channelId: string, received: () => number, namespace: string): Promise<number> {
    const before = await slowConsumerDrops(namespace);
    let sent = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      for (let i = 0; i < BATCH; i++) speaker.ws.send(binaryAudioFrame(channelId, FRAME, sent++, sent * 20));
      await eventually(() => expect(received()).toBe(sent), 10_000);
      if (batch % 10 === 9 && (await slowConsumerDrops(namespace)) > before) return sent;
    }
    throw new Error(`sent ${sent} frames of 16 KB and the slow consumer on ${namespace} is still connected`);
  }

  it('drops audio for a /ws member that stops reading, then disconnects it; the others receive everything', async () => {
    const [alice, bob, carol] = [await loginAs(t), await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const [speaker, listener, stalled] = await Promise.all([alice, bob, carol].map((user) => connectWs(t, user.accessToken, {}, t.port, true)));
    clients.push(speaker, listener, stalled);
    for (const client of [speaker, listener, stalled]) {
      client.send({ type: 'JoinChannel', channel_id: channel.id });
      await client.next('JoinedChannel');
    }
    let heard = 0;
    listener.ws.on('message', (_data, isBinary) => (heard += isBinary ? 1 : 0));
    stalled.pauseReading();
    const droppedBefore = await metricValue(t, 'realtime_audio_packets_dropped_total');

    const sent = await floodUntilDropped(speaker, channel.id, () => heard, '/ws');

    stalled.resumeReading();
    expect((await stalled.closed).code).toBe(1006);
    expect(stalled.binaries.length).toBeLessThan(sent);
    expect(await metricValue(t, 'realtime_audio_packets_dropped_total')).toBeGreaterThan(droppedBefore);
    expect(await metricValue(t, 'realtime_socket_outbound_dropped_total', { namespace: '/ws' })).toBeGreaterThan(0);
    // What was dropped is loss in the channel's statistics; the listener itself lost nothing.
    const stats = (await t.http().get(`/api/channels/${channel.id}/audio/stats`).set(alice.headers).expect(200)).body.data;
    expect(stats.packet_loss_rate).toBeGreaterThan(0);
    expect(stats.packets_received).toBe(sent);
    expect(heard).toBe(sent);
  });

  it('drops audio for a /voice member that stops reading, then disconnects it; the others receive everything', async () => {
    const [alice, bob, carol] = [await loginAs(t), await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const speaker = await connectWs(t, alice.accessToken, {}, t.port, true);
    clients.push(speaker);
    const [listener, stalled] = [await connectAs(t.url, bob.accessToken, '/voice'), await connectAs(t.url, carol.accessToken, '/voice')];
    sockets.push(listener, stalled);
    speaker.send({ type: 'JoinChannel', channel_id: channel.id });
    await speaker.next('JoinedChannel');
    await emitWithAck(listener, 'JoinChannel', { channel_id: channel.id });
    await emitWithAck(stalled, 'JoinChannel', { channel_id: channel.id });
    let heard = 0;
    let stalledHeard = 0;
    listener.on('AudioData', () => heard++);
    stalled.on('AudioData', () => stalledHeard++);
    pauseReading(stalled);

    const sent = await floodUntilDropped(speaker, channel.id, () => heard, '/voice');

    pauseReading(stalled, false);
    await disconnected(stalled, 10_000);
    expect(stalledHeard).toBeLessThan(sent);
    expect(await metricValue(t, 'realtime_socket_outbound_dropped_total', { namespace: '/voice' })).toBeGreaterThan(0);
    expect(heard).toBe(sent);
    // The listener is still there and still hears the speaker.
    speaker.ws.send(binaryAudioFrame(channel.id, Buffer.from('after'), sent, sent * 20));
    await eventually(() => expect(heard).toBe(sent + 1));
  });

  it('refuses events over a connection budget with RATE_LIMITED, then disconnects the persistent offender; others are unaffected', async () => {
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const [flooder, bystander] = [await connectAs(t.url, alice.accessToken), await connectAs(t.url, bob.accessToken)];
    sockets.push(flooder, bystander);
    const refusedBefore = await metricValue(t, 'realtime_socket_events_rate_limited_total', { namespace: '/', class: 'signaling' });

    // Default signaling budget: 20 per second, 60 at once.
    const answers = await Promise.all(
      Array.from({ length: 90 }, () =>
        emitWithAck<{ ok: boolean; error_code?: string }>(flooder, 'iceCandidate', { targetUserId: UNKNOWN_USER, candidate: {} }, 5000),
      ),
    );
    const limited = answers.filter((answer) => answer.error_code === 'RATE_LIMITED');
    expect(answers.filter((answer) => answer.error_code === 'PERMISSION_DENIED').length).toBeGreaterThanOrEqual(60);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toEqual({ ok: false, error_code: 'RATE_LIMITED', message: 'Too many signaling events; slow down' });
    // Another class has its own budget: messaging still goes through.
    expect(await emitWithAck(flooder, 'register', alice.user.id)).toEqual({ ok: true, userId: alice.user.id });
    // Another connection has its own budget.
    expect(await emitWithAck(bystander, 'iceCandidate', { targetUserId: UNKNOWN_USER, candidate: {} })).toMatchObject({ error_code: 'PERMISSION_DENIED' });

    const gone = disconnected(flooder, 5000);
    for (let i = 0; i < 150 && flooder.connected; i++) flooder.emit('iceCandidate', { targetUserId: UNKNOWN_USER, candidate: {} });
    expect(await gone).toBe('io server disconnect');
    expect(await metricValue(t, 'realtime_socket_disconnects_total', { namespace: '/', reason: 'rate_limit' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(t, 'realtime_socket_events_rate_limited_total', { namespace: '/', class: 'signaling' })).toBeGreaterThanOrEqual(
      refusedBefore + 100,
    );
    expect(await emitWithAck(bystander, 'register', bob.user.id)).toEqual({ ok: true, userId: bob.user.id });
  });

  it('limits /ws frames per connection too: RATE_LIMITED Error frames, then a policy close', async () => {
    const alice = await loginAs(t);
    const client = await connectWs(t, alice.accessToken);
    clients.push(client);
    for (let i = 0; i < 200; i++) client.send({ type: 'LeaveChannel', channel_id: UNKNOWN_USER });
    const { code } = await client.closed;
    expect(code).toBe(1008);
    const errors = client.texts.filter((message) => message.type === 'Error').map((message) => message.error_code);
    expect(errors).toContain('RATE_LIMITED');
    // Default messaging budget: 30 at once (the rest of the 200 were refused, or never read once the socket closed).
    expect(errors.filter((error) => error !== 'RATE_LIMITED').length).toBeLessThanOrEqual(31);
    expect(await metricValue(t, 'realtime_socket_disconnects_total', { namespace: '/ws', reason: 'rate_limit' })).toBeGreaterThanOrEqual(1);
    // Its session waits out the cooldown (10 s by default) before it may connect again, on /ws as on Socket.IO.
    await expect(connectWs(t, alice.accessToken)).rejects.toMatchObject({ status: 429, body: { error_code: 'RATE_LIMITED' } });
    await expect(connectError(t.url, alice.accessToken)).resolves.toMatchObject({ data: { code: 'RATE_LIMITED' } });
  });

  it('refuses new connections of a session disconnected for flooding until its cooldown ends; its other sessions connect', async () => {
    const cooling = await createTestApp({ SOCKET_OFFENDER_COOLDOWN_MS: '2000' });
    const opened: ClientSocket[] = [];
    try {
      const alice = await loginAs(cooling);
      const flooder = await connectAs(cooling.url, alice.accessToken);
      opened.push(flooder);
      const gone = disconnected(flooder, 5000);
      for (let i = 0; i < 200 && flooder.connected; i++) flooder.emit('iceCandidate', { targetUserId: UNKNOWN_USER, candidate: {} });
      expect(await gone).toBe('io server disconnect');

      const refused = await connectError(cooling.url, alice.accessToken);
      expect(refused.message).toBe('Too many requests');
      expect(refused.data).toEqual({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
      expect(refused.data!.retryAfterMs).toBeGreaterThan(0);
      expect(refused.data!.retryAfterMs).toBeLessThanOrEqual(2000);
      // The same session on /ws, with its session token this time.
      await expect(connectWs(cooling, alice.sessionToken)).rejects.toMatchObject({
        status: 429,
        headers: { 'retry-after': expect.stringMatching(/^[12]$/) },
        body: { error_code: 'RATE_LIMITED', path: '/ws' },
      });
      expect(await metricValue(cooling, 'realtime_socket_handshakes_refused_total', { endpoint: '/ws' })).toBe(1);

      // The user's other devices are other sessions: not affected.
      const otherDevice = await logIn(cooling, alice.user.username, alice.password);
      opened.push(await connectAs(cooling.url, otherDevice.accessToken));

      await eventually(async () => opened.push(await connectAs(cooling.url, alice.accessToken)), 5000);
    } finally {
      closeAll(...opened);
      await cooling.close();
    }
  });

  it('limits new handshakes per client IP on Socket.IO and /ws, one budget for both', async () => {
    // Refusals answered at once, so the budget cannot refill while one is held.
    const limited = await createTestApp({ HANDSHAKE_RATE_PER_IP: '1', HANDSHAKE_BURST_PER_IP: '3', HANDSHAKE_REFUSAL_DELAY_MS: '0' });
    const opened: ClientSocket[] = [];
    try {
      const alice = await loginAs(limited);
      const started = Date.now();
      let refused: Error | undefined;
      for (let i = 0; i < 10 && !refused; i++) {
        try {
          opened.push(await connectAs(limited.url, alice.accessToken));
        } catch (error) {
          refused = error as Error;
        }
      }
      expect(refused).toBeDefined();
      // A burst of 3, refilled at 1 per second while the loop ran.
      expect(opened.length).toBeGreaterThanOrEqual(3);
      expect(opened.length).toBeLessThanOrEqual(3 + Math.ceil((Date.now() - started) / 1000));
      await expect(connectWs(limited, alice.accessToken)).rejects.toMatchObject({
        status: 429,
        headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
        body: { success: false, error_code: 'RATE_LIMITED' },
      });
      expect(await metricValue(limited, 'realtime_socket_handshakes_refused_total', { endpoint: 'socket.io' })).toBeGreaterThanOrEqual(1);
      expect(await metricValue(limited, 'realtime_socket_handshakes_refused_total', { endpoint: '/ws' })).toBe(1);
      // Connections already open are not affected.
      expect(await emitWithAck(opened[0], 'register', alice.user.id)).toEqual({ ok: true, userId: alice.user.id });
      // The budget refills.
      await eventually(async () => {
        const socket = await connectAs(limited.url, alice.accessToken);
        opened.push(socket);
      }, 5000);
    } finally {
      closeAll(...opened);
      await limited.close();
    }
  });
  it('refuses a Socket.IO handshake over the budget before engine.io: 429, Retry-After and the error body, on polling and websocket', async () => {
    const limited = await createTestApp({ HANDSHAKE_RATE_PER_IP: '1', HANDSHAKE_BURST_PER_IP: '2', HANDSHAKE_REFUSAL_DELAY_MS: '0' });
    try {
      const alice = await loginAs(limited);
      const handshake = (headers: Record<string, string> = {}) => fetch(`${limited.url}/socket.io/?EIO=4&transport=polling`, { headers });
      const opened = await handshake();
      expect(opened.status).toBe(200);
      const { sid } = JSON.parse((await opened.text()).slice(1)) as { sid: string };
      expect((await handshake()).status).toBe(200);

      // Spends what refilled meanwhile (1/s), so the next handshake is over the budget however slow this machine is.
      const exhaust = async () => {
        while ((await handshake()).status === 200);
      };
      const origin = limited.url;
      await exhaust();
      const refused = await handshake({ 'X-Request-Id': 'trace-42', Origin: origin });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('x-request-id')).toBe('trace-42');
      expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
      expect(await refused.json()).toMatchObject({
        success: false,
        statusCode: 429,
        error_code: 'RATE_LIMITED',
        path: '/socket.io/',
        request_id: 'trace-42',
      });

      await exhaust();
      // A session that already exists is not a handshake: its requests still pass, and an unknown sid is engine.io's 400.
      const post = await fetch(`${limited.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '40' });
      expect([post.status, await post.text()]).toEqual([200, 'ok']);
      expect((await fetch(`${limited.url}/socket.io/?EIO=4&transport=polling&sid=unknown`)).status).toBe(400);
      // Nor is a request engine.io refuses anyway: a POST handshake, an unknown transport, a disallowed origin.
      expect((await fetch(`${limited.url}/socket.io/?EIO=4&transport=polling`, { method: 'POST', body: '' })).status).toBe(400);
      expect((await fetch(`${limited.url}/socket.io/?EIO=4&transport=carrier-pigeon`)).status).toBe(400);
      const foreign = await handshake({ Origin: 'https://attacker.example' });
      expect([foreign.status, ((await foreign.json()) as { message: string }).message]).toEqual([403, 'Origin not allowed']);

      // A websocket-first handshake gets an HTTP 429 on the raw socket before it is closed.
      await exhaust();
      const upgrade = await new Promise<{ status?: number; retryAfter?: string; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${limited.port}/socket.io/?EIO=4&transport=websocket`);
        ws.once('open', () => reject(new Error('upgrade accepted')));
        ws.once('unexpected-response', (_, response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode, retryAfter: response.headers['retry-after'], body }));
        });
        ws.once('error', reject);
      });
      expect(upgrade.status).toBe(429);
      expect(upgrade.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(JSON.parse(upgrade.body)).toMatchObject({ success: false, error_code: 'RATE_LIMITED', path: '/socket.io/' });
      // The Socket.IO client over websocket is refused as well.
      await exhaust();
      await expect(connectAs(limited.url, alice.accessToken)).rejects.toThrow();
      expect(await metricValue(limited, 'realtime_socket_handshakes_refused_total', { endpoint: 'socket.io' })).toBeGreaterThanOrEqual(3);
    } finally {
      await limited.close();
    }
  });

  it('holds the answer to a handshake over the budget, so a keep-alive flood gets one refusal per connection per delay', async () => {
    const delayMs = 1500;
    const limited = await createTestApp({ HANDSHAKE_RATE_PER_IP: '1', HANDSHAKE_BURST_PER_IP: '1', HANDSHAKE_REFUSAL_DELAY_MS: String(delayMs) });
    try {
      const alice = await loginAs(limited);
      // 5 connections, each sending its next handshake as soon as the last one is answered, for 3 s.
      const until = Date.now() + 3000;
      const refusals: number[] = [];
      let accepted = 0;
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          while (Date.now() < until) {
            const started = Date.now();
            const res = await fetch(`${limited.url}/socket.io/?EIO=4&transport=polling`);
            await res.arrayBuffer();
            if (res.status === 200) accepted++;
            else {
              expect(res.status).toBe(429);
              refusals.push(Date.now() - started);
            }
          }
        }),
      );
      // Answered at once, the loops would have been refused thousands of times.
      expect(refusals.length).toBeGreaterThanOrEqual(5);
      expect(refusals.length).toBeLessThanOrEqual(5 * Math.ceil(3000 / delayMs) + 5);
      expect(Math.min(...refusals)).toBeGreaterThanOrEqual(delayMs - 100);
      // The budget's own refill still gets through: 1 at first, then about 1 per second.
      expect(accepted).toBeGreaterThanOrEqual(1);
      expect(accepted).toBeLessThanOrEqual(5);

      // A /ws upgrade over the budget is held the same way (one try may land on a token that just refilled).
      let refusedAfter: number | undefined;
      for (let attempt = 0; attempt < 3 && refusedAfter === undefined; attempt++) {
        const started = Date.now();
        const outcome = await connectWs(limited, alice.accessToken).then(
          (client) => client.close(),
          (error: { status?: number }) => error.status,
        );
        if (outcome === 429) refusedAfter = Date.now() - started;
      }
      expect(refusedAfter).toBeGreaterThanOrEqual(delayMs - 100);
    } finally {
      await limited.close();
    }
  });
});
