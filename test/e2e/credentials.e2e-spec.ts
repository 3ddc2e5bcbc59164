import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { ClientSocket, closeAll, connectAs, connectError } from '../utils/sockets';
import { connectWs, WsTestClient } from '../utils/voice';

/** One credential reader: the same header forms are accepted, and refused, on HTTP, Socket.IO and /ws. */
describe('credentials on every transport', () => {
  let t: TestApp;
  let user: LoggedIn;
  const sockets: ClientSocket[] = [];
  const wsClients: WsTestClient[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await t.clearDatabase();
    user = await loginAs(t);
  });
  afterEach(() => {
    closeAll(...sockets.splice(0));
    for (const client of wsClients.splice(0)) client.close();
  });
  afterAll(() => t.close());

  const schemes = ['Bearer', 'bearer', 'BEARER', 'bEaReR'];

  it.each(schemes)('accepts `Authorization: %s <jwt>` on HTTP', async (scheme) => {
    const res = await t.http().get('/auth/user').set('Authorization', `${scheme} ${user.accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.user.id);
  });

  it.each(schemes)('accepts `Authorization: %s <jwt>` at the Socket.IO handshake, on / and /voice', async (scheme) => {
    for (const namespace of ['/', '/voice']) {
      const socket = await connectAs(t.url, null, namespace, { auth: {}, extraHeaders: { Authorization: `${scheme} ${user.accessToken}` } });
      sockets.push(socket);
      expect(socket.connected).toBe(true);
    }
  });

  it.each(schemes)('accepts `Authorization: %s <jwt>` on the /ws upgrade', async (scheme) => {
    const client = await connectWs(t, null, { Authorization: `${scheme} ${user.accessToken}` });
    wsClients.push(client);
    client.send({ type: 'LeaveChannel', channel_id: '3b241101-e2bb-4255-8caf-4136c566a962' });
    expect(await client.next('Error')).toEqual({ type: 'Error', error_code: 'INVALID_INPUT', message: 'Not in this channel' });
  });

  it('accepts the session-token header on every transport', async () => {
    const headers = { 'INSAkari-Connect-Token': user.sessionToken };
    expect((await t.http().get('/auth/user').set(headers)).status).toBe(200);
    sockets.push(await connectAs(t.url, null, '/', { auth: {}, extraHeaders: headers }));
    wsClients.push(await connectWs(t, null, headers));
  });

  it('refuses a scheme other than Bearer, a forged token and an oversized header alike everywhere', async () => {
    const refused = [`Basic ${user.accessToken}`, 'Bearer forged.jwt.value', `Bearer ${'a'.repeat(5000)}`, `Bearer${user.accessToken}`];
    for (const authorization of refused) {
      const res = await t.http().get('/users').set('Authorization', authorization);
      expect(res.status).toBe(401);
      expect(res.body.error_code).toBe('UNAUTHORIZED');
      const error = await connectError(t.url, null, '/', { auth: {}, extraHeaders: { Authorization: authorization } });
      expect(error).toMatchObject({ message: 'Unauthorized', data: { code: 'UNAUTHORIZED' } });
      await expect(connectWs(t, null, { Authorization: authorization })).rejects.toMatchObject({ status: 401, body: { error_code: 'UNAUTHORIZED' } });
    }
  });
});
