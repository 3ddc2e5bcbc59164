import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { closeAll, connectRecording, ClientSocket, emitWithAck, expectNoEvent, killTransport, waitFor } from '../utils/sockets';

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
    await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER });
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
    await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER });
    await emitWithAck(b, 'answerCall', { targetUserId: alice.user.id, signalData: ANSWER });

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
});
