import { loginAs, LoggedIn, SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import {
  closeAll,
  collect,
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

describe('realtime namespace / (presence, seed 001 messaging, seed 000 events)', () => {
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
        await new Promise((resolve) => setTimeout(resolve, 2100));
        const expired = await connectError(short.url, login.accessToken);
        expect(expired.message).toBe('Unauthorized');
        expect(expired.data).toEqual({ code: 'TOKEN_EXPIRED' });
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
});
