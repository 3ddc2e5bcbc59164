import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { io } from 'socket.io-client';
import { closeAll, collect, connectRecording, ClientSocket, emitWithAck, expectNoEvent, killTransport, waitFor } from '../utils/sockets';

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('signaling (WebRTC events on namespace /)', () => {
  let t: TestApp;
  const sockets: ClientSocket[] = [];
  let alice: LoggedIn;
  let bob: LoggedIn;
  let carol: LoggedIn;

  async function online(login: LoggedIn): Promise<ClientSocket> {
    const client = await connectRecording(t.url, login.accessToken, '/', { record: ['users'] });
    sockets.push(client.socket);
    await client.first('users');
    return client.socket;
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(async () => {
    await t.clearDatabase();
    [alice, bob, carol] = [await loginAs(t), await loginAs(t), await loginAs(t)];
  });
  afterEach(() => closeAll(...sockets.splice(0)));
  afterAll(() => t.close());

  it('carries a call from offer to end between the two parties, every socket of the callee ringing', async () => {
    const a = await online(alice);
    const [b1, b2] = [await online(bob), await online(bob)];

    const ringing = Promise.all([waitFor(b1, 'incomingCall'), waitFor(b2, 'incomingCall')]);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    for (const payload of await ringing) expect(payload).toEqual({ from: alice.user.id, username: alice.user.username, signalData: OFFER });

    const accepted = waitFor(a, 'callAccepted');
    expect(await emitWithAck(b2, 'answerCall', { targetUserId: alice.user.id, signalData: ANSWER })).toEqual({ ok: true });
    expect(await accepted).toEqual({ from: bob.user.id, signalData: ANSWER });

    const toBob = waitFor(b2, 'iceCandidate');
    const toAlice = waitFor(a, 'iceCandidate');
    expect(await emitWithAck(a, 'iceCandidate', { targetUserId: bob.user.id, candidate: CANDIDATE })).toEqual({ ok: true });
    expect(await emitWithAck(b2, 'iceCandidate', { targetUserId: alice.user.id, candidate: CANDIDATE })).toEqual({ ok: true });
    expect(await toBob).toEqual({ from: alice.user.id, candidate: CANDIDATE });
    expect(await toAlice).toEqual({ from: bob.user.id, candidate: CANDIDATE });

    const ended = Promise.all([waitFor(b1, 'callEnded'), waitFor(b2, 'callEnded')]);
    expect(await emitWithAck(a, 'endCall', { targetUserId: bob.user.id })).toEqual({ ok: true });
    expect(await ended).toEqual([{ from: alice.user.id }, { from: alice.user.id }]);
    expect(await emitWithAck(a, 'endCall', { targetUserId: bob.user.id })).toEqual({
      ok: false,
      error_code: 'PERMISSION_DENIED',
      message: 'No call with this user',
    });
  });

  it('keeps outsiders out of a call: no answer, candidate or end from a third user', async () => {
    const a = await online(alice);
    const b = await online(bob);
    const c = await online(carol);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    const undisturbed = Promise.all([expectNoEvent(a, 'callAccepted'), expectNoEvent(a, 'iceCandidate'), expectNoEvent(b, 'callEnded')]);

    expect(await emitWithAck(c, 'answerCall', { targetUserId: alice.user.id, signalData: ANSWER })).toEqual({
      ok: false,
      error_code: 'PERMISSION_DENIED',
      message: 'No incoming call from this user',
    });
    expect(await emitWithAck(c, 'iceCandidate', { targetUserId: alice.user.id, candidate: CANDIDATE })).toMatchObject({
      ok: false,
      error_code: 'PERMISSION_DENIED',
    });
    expect(await emitWithAck(c, 'endCall', { targetUserId: bob.user.id })).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
    expect(await emitWithAck(a, 'answerCall', { targetUserId: bob.user.id, signalData: ANSWER })).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
    await undisturbed;
  });

  it('answers callError USER_NOT_CONNECTED for an offline user', async () => {
    const a = await online(alice);
    const error = waitFor(a, 'callError');
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({
      ok: false,
      error_code: 'USER_NOT_CONNECTED',
      message: 'User not connected',
    });
    expect(await error).toEqual({ targetUserId: bob.user.id, error_code: 'USER_NOT_CONNECTED', message: 'User not connected' });
  });

  it('answers callRejected busy when the callee is already in a call', async () => {
    const a = await online(alice);
    const b = await online(bob);
    const c = await online(carol);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    expect(await emitWithAck(b, 'answerCall', { targetUserId: alice.user.id, signalData: ANSWER })).toEqual({ ok: true });

    const rejected = waitFor(c, 'callRejected');
    const noRing = expectNoEvent(b, 'incomingCall');
    expect(await emitWithAck(c, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'busy' });
    expect(await rejected).toEqual({ from: bob.user.id, reason: 'busy' });
    await noRing;
  });

  it('lets the callee reject; both are free again', async () => {
    const a = await online(alice);
    const b = await online(bob);
    await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER });
    const rejected = waitFor(a, 'callRejected');
    expect(await emitWithAck(b, 'rejectCall', { targetUserId: alice.user.id })).toEqual({ ok: true });
    expect(await rejected).toEqual({ from: bob.user.id });
    expect(await emitWithAck(b, 'callUser', { targetUserId: alice.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
  });

  it('ends the call for the other party when a party vanishes mid-call', async () => {
    const a = await online(alice);
    const b = await online(bob);
    await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER });
    await emitWithAck(b, 'answerCall', { targetUserId: alice.user.id, signalData: ANSWER });
    const ended = waitFor(a, 'callEnded', 5000);
    killTransport(b);
    expect(await ended).toEqual({ from: bob.user.id });
    const c = await online(carol);
    expect(await emitWithAck(c, 'callUser', { targetUserId: alice.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
  });

  it('refuses malformed payloads through the ack or an error event, changing nothing', async () => {
    const a = await online(alice);
    const b = await online(bob);
    const noRing = expectNoEvent(b, 'incomingCall', 800);
    const bad: unknown[] = [
      undefined,
      'bob',
      42,
      [bob.user.id],
      {},
      { targetUserId: 'not-a-uuid', signalData: OFFER },
      { targetUserId: { $ne: null }, signalData: OFFER },
      { targetUserId: bob.user.id, signalData: 'offer' },
      { targetUserId: bob.user.id, signalData: OFFER, extra: true },
      JSON.parse(`{"targetUserId":"${bob.user.id}","signalData":{"type":"offer"},"__proto__":{"targetUserId":"x"}}`),
    ];
    for (const payload of bad) {
      const answer = await emitWithAck<{ ok: boolean; error_code: string }>(a, 'callUser', payload);
      expect(answer).toMatchObject({ ok: false, error_code: 'INVALID_INPUT' });
    }
    expect(await emitWithAck(a, 'callUser', { targetUserId: 'x', signalData: OFFER })).toEqual({
      ok: false,
      error_code: 'INVALID_INPUT',
      message: 'targetUserId must be a UUID',
      details: [{ field: 'targetUserId', rule: 'isUuid', message: 'targetUserId must be a UUID' }],
    });

    const error = waitFor(a, 'error');
    a.emit('iceCandidate', { targetUserId: bob.user.id });
    expect(await error).toEqual({
      error_code: 'INVALID_INPUT',
      message: 'candidate must be an object',
      details: [{ field: 'candidate', rule: 'isObject', message: 'candidate must be an object' }],
    });
    await noRing;
    expect(a.connected && b.connected).toBe(true);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
  });
  it('relays candidates sent right behind callUser, after the offer and in order (websocket)', async () => {
    const a = await online(alice);
    const b = await online(bob);
    const ring = waitFor(b, 'incomingCall');
    const candidates = collect<{ from: string; candidate: { candidate: string } }>(b, 'iceCandidate', 5);
    const order: string[] = [];
    b.on('incomingCall', () => order.push('incomingCall'));
    b.on('iceCandidate', () => order.push('iceCandidate'));
    const acks = [
      emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER }),
      ...Array.from({ length: 5 }, (_, i) => emitWithAck(a, 'iceCandidate', { targetUserId: bob.user.id, candidate: { candidate: `c${i}` } })),
    ];
    expect(await Promise.all(acks)).toEqual([{ ok: true, status: 'ringing' }, ...Array.from({ length: 5 }, () => ({ ok: true }))]);
    await ring;
    expect((await candidates).map((payload) => payload.candidate.candidate)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(order).toEqual(['incomingCall', 'iceCandidate', 'iceCandidate', 'iceCandidate', 'iceCandidate', 'iceCandidate']);
  });

  it('relays candidates that travel in the same long-polling request as callUser', async () => {
    const a = io(t.url, { forceNew: true, reconnection: false, transports: ['polling'], auth: { token: alice.accessToken } });
    sockets.push(a);
    await new Promise<void>((resolve, reject) => a.once('connect', resolve).once('connect_error', reject));
    const b = await online(bob);
    const candidates = collect<{ candidate: { candidate: string } }>(b, 'iceCandidate', 3, 5000);
    // The first emit takes the one POST in flight; everything emitted meanwhile leaves together in the next.
    a.emit('register', alice.user.id);
    const acks = [
      emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER }, 5000),
      ...Array.from({ length: 3 }, (_, i) => emitWithAck(a, 'iceCandidate', { targetUserId: bob.user.id, candidate: { candidate: `p${i}` } }, 5000)),
    ];
    expect(await Promise.all(acks)).toEqual([{ ok: true, status: 'ringing' }, { ok: true }, { ok: true }, { ok: true }]);
    expect((await candidates).map((payload) => payload.candidate.candidate)).toEqual(['p0', 'p1', 'p2']);
  });

  it('relays at most 50 candidates before the answer, and refuses the rest with RATE_LIMITED', async () => {
    const a = await online(alice);
    const b = await online(bob);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    const relayed = collect<{ candidate: { n: number } }>(b, 'iceCandidate', 51, 5000);
    const answers = await Promise.all(Array.from({ length: 55 }, (_, n) => emitWithAck(a, 'iceCandidate', { targetUserId: bob.user.id, candidate: { n } })));
    expect(answers.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => ({ ok: true })));
    expect(answers.slice(50)).toEqual(
      Array.from({ length: 5 }, () => ({ ok: false, error_code: 'RATE_LIMITED', message: 'At most 50 candidates before the call is answered' })),
    );
    // Once answered, candidates flow again; the 51st bob hears is the one sent after the answer.
    expect(await emitWithAck(b, 'answerCall', { targetUserId: alice.user.id, signalData: ANSWER })).toEqual({ ok: true });
    expect(await emitWithAck(a, 'iceCandidate', { targetUserId: bob.user.id, candidate: { n: 'after' } })).toEqual({ ok: true });
    expect((await relayed).map((payload) => payload.candidate.n)).toEqual([...Array.from({ length: 50 }, (_, n) => n), 'after']);
  });

  it('refuses signalData deeper than 32 levels or larger than 16 KB before ringing anyone; the callee stays free', async () => {
    const a = await online(alice);
    const b = await online(bob);
    const c = await online(carol);
    const noRing = expectNoEvent(b, 'incomingCall', 500);
    const nested = (depth: number): Record<string, unknown> => (depth === 1 ? { sdp: 'v=0' } : { x: nested(depth - 1) });
    const refusal = {
      ok: false,
      error_code: 'INVALID_INPUT',
      message: 'signalData must be at most 32 levels deep and 16384 bytes as JSON',
      details: [{ field: 'signalData', rule: 'isRelayableObject', message: 'signalData must be at most 32 levels deep and 16384 bytes as JSON' }],
    };
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: nested(33) })).toEqual(refusal);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: { sdp: 'x'.repeat(16 * 1024) } })).toEqual(refusal);
    // 30,000 levels (60 KB, within the 64 KB message limit): more than a JSON encoder's stack takes.
    // Sent as a raw packet: the client's own encoder would overflow.
    const error = waitFor<{ error_code: string }>(a, 'error');
    const deep = `{"x":${'['.repeat(30_000)}1${']'.repeat(30_000)}}`;
    a.io.engine.send(`2["callUser",{"targetUserId":"${bob.user.id}","signalData":${deep}}]`);
    expect(await error).toMatchObject({ error_code: 'INVALID_INPUT' });
    await noRing;
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: nested(32) })).toEqual({ ok: true, status: 'ringing' });
    expect(await emitWithAck(a, 'endCall', { targetUserId: bob.user.id })).toEqual({ ok: true });
    expect(await emitWithAck(c, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
  });

  it('does not let a rejected caller ring the same callee again at once', async () => {
    const a = await online(alice);
    const b = await online(bob);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    expect(await emitWithAck(b, 'rejectCall', { targetUserId: alice.user.id })).toEqual({ ok: true });
    const noRing = expectNoEvent(b, 'incomingCall', 300);
    expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({
      ok: false,
      error_code: 'RATE_LIMITED',
      message: 'This user just rejected your call; wait a few seconds before calling again',
    });
    await noRing;
  });

  it('takes the candidate cap and the pause after a rejection from CALL_MAX_CANDIDATES_BEFORE_ANSWER and CALL_REJECTED_RECALL_MS', async () => {
    const tuned = await createTestApp({ CALL_MAX_CANDIDATES_BEFORE_ANSWER: '3', CALL_REJECTED_RECALL_MS: '300' });
    const opened: ClientSocket[] = [];
    try {
      const [caller, callee] = [await loginAs(tuned), await loginAs(tuned)];
      for (const login of [caller, callee]) {
        const client = await connectRecording(tuned.url, login.accessToken, '/', { record: ['users'] });
        opened.push(client.socket);
        await client.first('users');
      }
      const [a, b] = opened;
      expect(await emitWithAck(a, 'callUser', { targetUserId: callee.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, n) => emitWithAck(a, 'iceCandidate', { targetUserId: callee.user.id, candidate: { n } })),
      );
      expect(answers).toEqual([
        ...Array.from({ length: 3 }, () => ({ ok: true })),
        ...Array.from({ length: 2 }, () => ({ ok: false, error_code: 'RATE_LIMITED', message: 'At most 3 candidates before the call is answered' })),
      ]);

      expect(await emitWithAck(b, 'rejectCall', { targetUserId: caller.user.id })).toEqual({ ok: true });
      const rejectedAt = Date.now();
      expect(await emitWithAck(a, 'callUser', { targetUserId: callee.user.id, signalData: OFFER })).toMatchObject({ ok: false, error_code: 'RATE_LIMITED' });
      // 300 ms after the rejection (not the default 5 s), the caller may ring again.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, rejectedAt + 350 - Date.now())));
      expect(await emitWithAck(a, 'callUser', { targetUserId: callee.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    } finally {
      closeAll(...opened);
      await tuned.close();
    }
  });

  it('ends an unanswered call after CALL_RING_TIMEOUT_S, telling both sides', async () => {
    const short = await createTestApp({ CALL_RING_TIMEOUT_S: '1' });
    const opened: ClientSocket[] = [];
    try {
      const [caller, callee] = [await loginAs(short), await loginAs(short)];
      for (const login of [caller, callee]) {
        const client = await connectRecording(short.url, login.accessToken, '/', { record: ['users'] });
        opened.push(client.socket);
        await client.first('users');
      }
      const [a, b] = opened;
      const ended = Promise.all([waitFor(a, 'callEnded', 5000), waitFor(b, 'callEnded', 5000)]);
      expect(await emitWithAck(a, 'callUser', { targetUserId: callee.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
      expect(await ended).toEqual([
        { from: callee.user.id, reason: 'timeout' },
        { from: caller.user.id, reason: 'timeout' },
      ]);
      expect(await emitWithAck(b, 'answerCall', { targetUserId: caller.user.id, signalData: ANSWER })).toMatchObject({
        ok: false,
        error_code: 'PERMISSION_DENIED',
      });
      expect(await emitWithAck(a, 'callUser', { targetUserId: callee.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
    } finally {
      closeAll(...opened);
      await short.close();
    }
  });
});
