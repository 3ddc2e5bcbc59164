import { loginAs, LoggedIn, SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import {
  closeAll,
  connectAs,
  connectError,
  connectRecording,
  ClientSocket,
  disconnected,
  emitWithAck,
  expectNoEvent,
  killTransport,
  waitFor,
} from '../utils/sockets';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('realtime namespace / (presence, messaging, user events)', () => {
  let t: TestApp;
  const sockets: ClientSocket[] = [];

  /** Connects on `/` and waits for the `users` event every new socket gets. */
  async function online(login: LoggedIn) {
    const client = await connectRecording(t.url, login.accessToken, '/', { record: ['users'] });
    sockets.push(client.socket);
    const users = await client.first<{ id: string; username: string }[]>('users');
    return { socket: client.socket, users };
  }

  async function presence(): Promise<string[]> {
    const res = await t.http().get('/api/users').set(SERVICE_KEY_HEADERS).expect(200);
    return (res.body.users as string[]).sort();
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterEach(() => closeAll(...sockets.splice(0)));
  afterAll(() => t.close());

  describe('handshake', () => {
    it('refuses a connection without credentials, with a bad token and with an expired one', async () => {
      const none = await connectError(t.url, null);
      expect(none.message).toBe('Unauthorized');
      expect(none.data).toEqual({ code: 'UNAUTHORIZED' });

      const bad = await connectError(t.url, 'not-a-jwt');
      expect(bad.message).toBe('Unauthorized');
      expect(bad.data).toEqual({ code: 'UNAUTHORIZED' });

      const hostile = await connectError(t.url, null, '/', { auth: { token: { $gt: '' }, sessionToken: ['x'] } });
      expect(hostile.data).toEqual({ code: 'UNAUTHORIZED' });
    });

    it('refuses an expired access token with TOKEN_EXPIRED', async () => {
      const short = await createTestApp({ JWT_ACCESS_TTL_S: '1' });
      try {
        const login = await loginAs(short);
        // The token's exp is in whole seconds: poll until it has passed.
        await eventually(async () => {
          const expired = await connectError(short.url, login.accessToken);
          expect(expired.message).toBe('Unauthorized');
          expect(expired.data).toEqual({ code: 'TOKEN_EXPIRED' });
        }, 5000);
      } finally {
        await short.close();
      }
    });

    it('refuses with TOKEN_EXPIRED a token that opened sockets before it expired (remembered tokens still expire)', async () => {
      const short = await createTestApp({ JWT_ACCESS_TTL_S: '3' });
      try {
        const login = await loginAs(short);
        const [first, second] = [await connectAs(short.url, login.accessToken), await connectAs(short.url, login.accessToken)];
        closeAll(first, second);
        await eventually(async () => {
          const expired = await connectError(short.url, login.accessToken);
          expect(expired.data).toEqual({ code: 'TOKEN_EXPIRED' });
        }, 8000);
      } finally {
        await short.close();
      }
    });

    it('accepts the session token in auth.sessionToken and in the INSAkari-Connect-Token header', async () => {
      const alice = await loginAs(t);
      const viaAuth = await connectAs(t.url, null, '/', { auth: { sessionToken: alice.sessionToken } });
      const viaHeader = await connectAs(t.url, null, '/', { extraHeaders: { 'INSAkari-Connect-Token': alice.sessionToken } });
      sockets.push(viaAuth, viaHeader);
      expect(viaAuth.connected && viaHeader.connected).toBe(true);
      const res = await t.http().get('/api/users?details=true').set(alice.headers).expect(200);
      expect(res.body).toEqual({ users: [{ id: alice.user.id, username: alice.user.username, connections: 2, connected_since: expect.stringMatching(ISO) }] });
    });

    it('refuses a browser origin outside CORS_ORIGINS', async () => {
      const alice = await loginAs(t);
      const refused = await connectError(t.url, alice.accessToken, '/', { extraHeaders: { Origin: 'http://evil.example' } });
      expect(refused.message).toBe('websocket error');
      const allowed = await connectAs(t.url, alice.accessToken, '/', { extraHeaders: { Origin: 'http://localhost:5175' } });
      sockets.push(allowed);
      expect(allowed.connected).toBe(true);
    });
  });

  describe('presence', () => {
    it('sends users on connect, userConnected on the first socket only, userDisconnected on the last', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const a = await online(alice);
      expect(a.users).toEqual([{ id: alice.user.id, username: alice.user.username }]);

      const announced = waitFor(a.socket, 'userConnected');
      const b1 = await online(bob);
      expect(await announced).toEqual({ id: bob.user.id, username: bob.user.username });
      expect(b1.users).toEqual([
        { id: alice.user.id, username: alice.user.username },
        { id: bob.user.id, username: bob.user.username },
      ]);

      const silentSecond = expectNoEvent(a.socket, 'userConnected');
      const b2 = await online(bob);
      await silentSecond;

      const silentFirstGone = expectNoEvent(a.socket, 'userDisconnected');
      b1.socket.close();
      await silentFirstGone;
      expect(await presence()).toEqual([alice.user.id, bob.user.id].sort());

      const gone = waitFor(a.socket, 'userDisconnected');
      b2.socket.close();
      expect(await gone).toEqual({ userId: bob.user.id });
      expect(await presence()).toEqual([alice.user.id]);
    });

    it('forgets sockets whose transport was killed without a goodbye', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const a = await online(alice);
      const b = await online(bob);
      const extra = await online(bob);

      const gone = waitFor(a.socket, 'userDisconnected', 5000);
      killTransport(b.socket);
      killTransport(extra.socket);
      expect(await gone).toEqual({ userId: bob.user.id });
      expect(await presence()).toEqual([alice.user.id]);
      const res = await t.http().get('/api/users?details=true').set(SERVICE_KEY_HEADERS).expect(200);
      expect(res.body.users).toEqual([{ id: alice.user.id, username: alice.user.username, connections: 1, connected_since: expect.stringMatching(ISO) }]);
    });

    it('lists connected users for users and services only', async () => {
      const alice = await loginAs(t);
      await online(alice);
      expect((await t.http().get('/api/users').set(alice.headers).expect(200)).body).toEqual({ users: [alice.user.id] });
      const anonymous = await t.http().get('/api/users').expect(401);
      expect(anonymous.body).toMatchObject({ success: false, error_code: 'UNAUTHORIZED' });
      const badQuery = await t.http().get('/api/users?details=yes').set(alice.headers).expect(400);
      expect(badQuery.body.error_code).toBe('INVALID_INPUT');
    });
  });

  describe('register', () => {
    it("acknowledges one's own id, as a string or {userId}", async () => {
      const alice = await loginAs(t);
      const { socket } = await online(alice);
      expect(await emitWithAck(socket, 'register', alice.user.id)).toEqual({ ok: true, userId: alice.user.id });
      expect(await emitWithAck(socket, 'register', { userId: alice.user.id })).toEqual({ ok: true, userId: alice.user.id });
      const event = waitFor(socket, 'registered');
      socket.emit('register', alice.user.id);
      expect(await event).toEqual({ userId: alice.user.id });
    });

    it('refuses impersonation and malformed ids, through the ack or an error event', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const { socket } = await online(alice);
      expect(await emitWithAck(socket, 'register', bob.user.id)).toEqual({
        ok: false,
        error_code: 'PERMISSION_DENIED',
        message: 'Cannot register as another user',
      });
      for (const bad of [42, null, { userId: { $ne: null } }, { userId: alice.user.id, extra: 1 }, [alice.user.id]]) {
        expect(await emitWithAck(socket, 'register', bad)).toMatchObject({ ok: false, error_code: 'INVALID_INPUT' });
      }
      const error = waitFor(socket, 'error');
      socket.emit('register', bob.user.id);
      expect(await error).toEqual({ error_code: 'PERMISSION_DENIED', message: 'Cannot register as another user' });
      expect(socket.connected).toBe(true);
    });
  });

  describe('POST /api/users/:id/message', () => {
    it('delivers to all three sockets of the user, from a user, the service and an admin', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const admin = await loginAs(t, { role: 'admin' });
      const bobs = [await online(bob), await online(bob), await online(bob)].map(({ socket }) => socket);
      const other = (await online(alice)).socket;
      const notForAlice = expectNoEvent(other, 'message', 500);

      for (const [headers, from] of [
        [alice.headers, alice.user.id],
        [SERVICE_KEY_HEADERS, 'service'],
        [admin.headers, admin.user.id],
      ] as const) {
        const received = Promise.all(bobs.map((socket) => waitFor(socket, 'message')));
        const res = await t.http().post(`/api/users/${bob.user.id}/message`).set(headers).send({ message: 'Hello, bob!' }).expect(200);
        expect(res.body).toEqual({ status: 'Message sent', delivered: 3 });
        for (const payload of await received) {
          expect(payload).toEqual({ from, message: 'Hello, bob!', sent_at: expect.stringMatching(ISO) });
        }
      }
      await notForAlice;
    });

    it('answers 404 User not connected for an offline or unknown user', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      for (const id of [bob.user.id, '00000000-0000-4000-8000-000000000000']) {
        const res = await t.http().post(`/api/users/${id}/message`).set(alice.headers).send({ message: 'hi' }).expect(404);
        expect(res.body).toMatchObject({
          success: false,
          statusCode: 404,
          error_code: 'USER_NOT_CONNECTED',
          message: 'User not connected',
          error: 'User not connected',
        });
      }
    });

    it('refuses bad bodies, bad ids and anonymous callers without delivering anything', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const { socket } = await online(bob);
      const nothing = expectNoEvent(socket, 'message', 500);
      const url = `/api/users/${bob.user.id}/message`;
      for (const body of [{}, { message: '' }, { message: 42 }, { message: { $gt: '' } }, { message: 'x', extra: true }, { message: 'x'.repeat(10_001) }]) {
        const res = await t.http().post(url).set(alice.headers).send(body).expect(400);
        expect(res.body.error_code).toBe('INVALID_INPUT');
      }
      expect((await t.http().post('/api/users/not-a-uuid/message').set(alice.headers).send({ message: 'x' }).expect(400)).body.error_code).toBe(
        'INVALID_INPUT',
      );
      expect((await t.http().post(url).send({ message: 'x' }).expect(401)).body.error_code).toBe('UNAUTHORIZED');
      await nothing;
    });
  });

  describe('POST /api/users/broadcast', () => {
    it('reaches every connected socket, for services and admins', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const admin = await loginAs(t, { role: 'admin' });
      const all = [(await online(alice)).socket, (await online(bob)).socket, (await online(bob)).socket];

      for (const [headers, from] of [
        [SERVICE_KEY_HEADERS, 'service'],
        [admin.headers, admin.user.id],
      ] as const) {
        const received = Promise.all(all.map((socket) => waitFor(socket, 'message')));
        const res = await t.http().post('/api/users/broadcast').set(headers).send({ message: 'Hello, everyone!' }).expect(200);
        expect(res.body).toEqual({ status: 'Message broadcasted', recipients: 3 });
        for (const payload of await received) expect(payload).toEqual({ from, message: 'Hello, everyone!', sent_at: expect.stringMatching(ISO) });
      }
    });

    it('is refused to a plain user', async () => {
      const alice = await loginAs(t);
      const { socket } = await online(alice);
      const nothing = expectNoEvent(socket, 'message', 300);
      const res = await t.http().post('/api/users/broadcast').set(alice.headers).send({ message: 'hi' }).expect(403);
      expect(res.body.error_code).toBe('PERMISSION_DENIED');
      await nothing;
    });
  });

  describe('user events', () => {
    it('pushes user_created, UPDATE_SCORE and user_deleted to every connected socket', async () => {
      const admin = await loginAs(t, { role: 'admin' });
      const alice = await loginAs(t);
      const watchers = [(await online(admin)).socket, (await online(alice)).socket];

      const created = Promise.all(watchers.map((socket) => waitFor(socket, 'user_created')));
      const carol = (await t.http().post('/users').send({ username: 'carol', password: 'Sup3r!secret' }).expect(201)).body;
      // Everyone hears of the account, without its email.
      const { email: _hidden, ...profile } = carol;
      for (const payload of await created) expect(payload).toEqual({ user: profile });

      const scored = Promise.all(watchers.map((socket) => waitFor(socket, 'UPDATE_SCORE')));
      await t.http().post(`/users/${carol.id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: 5 }).expect(200);
      for (const payload of await scored) expect(payload).toEqual({ id: carol.id, username: 'carol', score: 5, increment: 5 });

      const deleted = Promise.all(watchers.map((socket) => waitFor(socket, 'user_deleted')));
      await t.http().delete(`/users/${carol.id}`).set(admin.headers).expect(200);
      for (const payload of await deleted) expect(payload).toEqual({ id: carol.id });
    });

    it('disconnects every socket of a deleted user', async () => {
      const admin = await loginAs(t, { role: 'admin' });
      const bob = await loginAs(t);
      const b1 = (await online(bob)).socket;
      const b2 = (await online(bob)).socket;
      const closed = Promise.all([disconnected(b1), disconnected(b2)]);
      await t.http().delete(`/users/${bob.user.id}`).set(admin.headers).expect(200);
      expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
      expect(await presence()).toEqual([]);
    });
  });

  describe('session revocation', () => {
    it("disconnects that session's sockets at once and refuses its credentials afterwards", async () => {
      const alice = await loginAs(t);
      const second = await t.http().post('/auth/login').send({ username: alice.user.username, password: alice.password }).expect(200);

      const viaJwt = (await online(alice)).socket;
      const viaToken = await connectAs(t.url, null, '/', { auth: { sessionToken: alice.sessionToken } });
      sockets.push(viaToken);
      const survivor = await connectAs(t.url, second.body.accessToken as string);
      sockets.push(survivor);

      const closed = Promise.all([disconnected(viaJwt), disconnected(viaToken)]);
      const survives = expectNoEvent(survivor, 'disconnect', 500);
      await t.http().post('/auth/logout').set(alice.headers).expect(200);
      expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
      await survives;

      expect((await connectError(t.url, alice.accessToken)).data).toEqual({ code: 'UNAUTHORIZED' });
      expect((await connectError(t.url, null, '/', { auth: { sessionToken: alice.sessionToken } })).data).toEqual({ code: 'UNAUTHORIZED' });
    });
  });

  describe('admin reset', () => {
    it('disconnects every socket of namespace / and reports how many', async () => {
      const admin = await loginAs(t, { role: 'admin' });
      const bob = await loginAs(t);
      const all = [(await online(bob)).socket, (await online(bob)).socket, (await online(admin)).socket];
      const closed = Promise.all(all.map((socket) => disconnected(socket)));
      const res = await t.http().post('/api/advanced/admin/reset').set(admin.headers).send({ confirm: 'RESET' }).expect(200);
      expect(res.body.data.counts).toMatchObject({ disconnected_sockets: 3 });
      expect(await closed).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect']);
      expect(await presence()).toEqual([]);
    });
  });

  describe('hostile payloads', () => {
    it('drops an oversized message by closing that socket only; the others keep working', async () => {
      const alice = await loginAs(t);
      const bob = await loginAs(t);
      const a = (await online(alice)).socket;
      const b = (await online(bob)).socket;
      const closed = disconnected(a, 5000);
      const gone = waitFor(b, 'userDisconnected', 5000);
      a.emit('register', 'x'.repeat(70 * 1024));
      expect(await closed).toBe('transport close');
      expect(await gone).toEqual({ userId: alice.user.id });
      expect(await emitWithAck(b, 'register', bob.user.id)).toEqual({ ok: true, userId: bob.user.id });
      expect(await presence()).toEqual([bob.user.id]);
    });

    it('answers unknown events with nothing and keeps the socket', async () => {
      const alice = await loginAs(t);
      const a = (await online(alice)).socket;
      const heard: [string, unknown][] = [];
      a.onAny((event: string, payload: unknown) => heard.push([event, payload]));
      a.emit('noSuchEvent', { $where: 'sleep(1000)' });
      // Even with an ack callback: an unknown event is never answered.
      const unanswered = a.timeout(500).emitWithAck('noSuchEvent', {});
      a.emit('callUser');
      expect(await emitWithAck(a, 'register', alice.user.id)).toEqual({ ok: true, userId: alice.user.id });
      await expect(unanswered).rejects.toThrow('operation has timed out');
      // The one reply is the validation error of the payload-less callUser.
      await eventually(() => expect(heard).toEqual([['error', { error_code: 'INVALID_INPUT', message: 'The payload must be an object' }]]));
      expect(a.connected).toBe(true);
    });
  });
});
