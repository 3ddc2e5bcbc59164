import { randomUUID } from 'node:crypto';
import { typedClient, type TypedClient } from '../client/typed-client';
import { SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { closeAll, connectAs, waitFor } from '../utils/sockets';
import { connectRoot, connectVoice } from '../utils/typed-sockets';
import type { IncomingCallPayload, UserJoinedPayload } from '../../src/contracts/socket-events';

const PASSWORD = 'Sup3r!secret';
const UUID = /^[0-9a-f-]{36}$/;

/**
 * A client generated from the committed openapi.json drives the API; every response is checked against that
 * document (closed-world), so a route answering something its schema does not say fails here.
 */
describe('the typed client generated from openapi.json', () => {
  let t: TestApp;
  let api: TypedClient;

  beforeAll(async () => {
    t = await createTestApp();
    api = typedClient(t.url);
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  async function signUpAndLogIn(username: string) {
    const signup = await api.POST('/auth/signup', { body: { username, email: `${username}@example.com`, password: PASSWORD } });
    expect(signup.response.status).toBe(201);
    const login = await api.POST('/auth/login', { body: { username, password: PASSWORD } });
    if (!login.data) throw new Error(`login failed: ${login.response.status}`);
    return { ...login.data, headers: { Authorization: `Bearer ${login.data.accessToken}` } };
  }

  it('signs up, logs in, refreshes and reads the account', async () => {
    const alice = await signUpAndLogIn('alice');
    expect(alice.user).toMatchObject({ username: 'alice', email: 'alice@example.com', role: 'user', score: 0 });
    expect(alice.tokenType).toBe('Bearer');

    const me = await api.GET('/auth/user', { headers: { 'INSAkari-Connect-Token': alice.token } });
    expect(me.data?.user.id).toBe(alice.user.id);

    const refreshed = await api.POST('/auth/refresh', { body: { refreshToken: alice.refreshToken } });
    expect(refreshed.data?.refreshToken).toEqual(expect.any(String));
    expect(refreshed.data?.refreshToken).not.toBe(alice.refreshToken);

    const verified = await api.POST('/auth/verify', { body: { token: alice.accessToken } });
    expect(verified.data).toMatchObject({ valid: true, user: { id: alice.user.id } });
  });

  it('answers errors in the error schema with the catalogue code', async () => {
    const refused = await api.POST('/auth/login', { body: { username: 'nobody', password: PASSWORD } });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ success: false, statusCode: 403, error_code: 'PERMISSION_DENIED' });

    const anonymous = await api.GET('/users');
    expect(anonymous.error?.error_code).toBe('UNAUTHORIZED');

    const alice = await signUpAndLogIn('alice');
    const missing = await api.GET('/users/{id}', { params: { path: { id: randomUUID() } }, headers: alice.headers });
    expect(missing.error?.error_code).toBe('USER_NOT_FOUND');

    const invalid = await api.POST('/api/channels', { body: { name: '' }, headers: alice.headers });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error?.details?.[0]).toMatchObject({ field: 'name' });
  });

  it('lists and pages users, the leaderboard and the seed-004 users API', async () => {
    const alice = await signUpAndLogIn('alice');
    await signUpAndLogIn('bob');
    const score = await api.POST('/users/{id}/score', { params: { path: { id: alice.user.id } }, body: { increment: 5 }, headers: SERVICE_KEY_HEADERS });
    expect(score.data?.score).toBe(5);

    const list = await api.GET('/users', { params: { query: { limit: 10 } }, headers: alice.headers });
    expect(list.data?.map((user) => user.username).sort()).toEqual(['alice', 'bob']);
    const top = await api.GET('/users/leaderboard', { params: { query: { limit: 1 } }, headers: alice.headers });
    expect(top.data?.map((user) => user.username)).toEqual(['alice']);

    const page = await api.GET('/api/advanced/users', { params: { query: { page: 1, limit: 1, sort_by: 'username' } }, headers: alice.headers });
    expect(page.data?.data.map((user) => user.username)).toEqual(['alice']);
    expect(page.data?.pagination).toMatchObject({ current_page: 1, total_items: 2, has_next: true });

    const created = await api.POST('/api/users', { body: { username: 'carol', display_name: 'Carol', password: PASSWORD } });
    expect(created.data).toMatchObject({ success: true, user: { username: 'carol', display_name: 'Carol' } });
    const seed = await api.GET('/api/users/{id}', { params: { path: { id: created.data!.user.id } }, headers: alice.headers });
    expect(seed.data?.data).toEqual(seed.data?.user);

    const updated = await api.PUT('/api/advanced/users/{id}', {
      params: { path: { id: alice.user.id } },
      body: { display_name: 'Alice A.' },
      headers: alice.headers,
    });
    expect(updated.data?.data.display_name).toBe('Alice A.');
    const stats = await api.GET('/api/advanced/users/{id}/statistics', { params: { path: { id: alice.user.id } }, headers: alice.headers });
    expect(stats.data?.data).toMatchObject({ user_id: alice.user.id, messages_sent: 0, current_channel: null });
  });

  it('creates, reads, lists and deletes channels in the {success, data} envelope', async () => {
    const alice = await signUpAndLogIn('alice');
    const created = await api.POST('/api/channels', { body: { name: 'General', max_users: 5 }, headers: alice.headers });
    expect(created.response.status).toBe(201);
    const channel = created.data!.data;
    expect(channel).toMatchObject({ id: expect.stringMatching(UUID), name: 'General', max_users: 5, owner_id: alice.user.id, current_users: 0 });

    const read = await api.GET('/api/channels/{id}', { params: { path: { id: channel.id } }, headers: alice.headers });
    expect(read.data?.data.members).toEqual([]);
    const list = await api.GET('/api/channels', { headers: alice.headers });
    expect(list.data?.data.map((c) => c.id)).toContain(channel.id);
    const filtered = await api.GET('/api/advanced/channels', { params: { query: { name: 'gen', min_users: 0 } }, headers: alice.headers });
    expect(filtered.data?.data.map((c) => c.id)).toEqual([channel.id]);

    const audio = await api.GET('/api/channels/{id}/audio/stats', { params: { path: { id: channel.id } }, headers: alice.headers });
    expect(audio.data?.data).toMatchObject({ channel_id: channel.id, packets_sent: 0, jitter_ms: null });
    const statistics = await api.GET('/api/advanced/channels/{id}/statistics', { params: { path: { id: channel.id } }, headers: alice.headers });
    expect(statistics.data).toMatchObject({ channel_id: channel.id, current_users: 0 });
    const config = await api.GET('/api/audio/config');
    expect(config.data?.sample_rate).toEqual(expect.any(Number));

    const removed = await api.DELETE('/api/channels/{id}', { params: { path: { id: channel.id } }, headers: alice.headers });
    expect(removed.data).toEqual({ success: true, message: 'Channel deleted' });
  });

  it('sends a message to a connected user and lists who is online', async () => {
    const alice = await signUpAndLogIn('alice');
    const bob = await signUpAndLogIn('bob');
    const socket = await connectAs(t.url, bob.accessToken);
    try {
      const online = await api.GET('/api/users', { params: { query: { details: 'true' } }, headers: alice.headers });
      expect(online.data?.users).toEqual([expect.objectContaining({ id: bob.user.id, connections: 1 })]);
      const ids = await api.GET('/api/users', { headers: SERVICE_KEY_HEADERS });
      expect(ids.data?.users).toEqual([bob.user.id]);

      const received = waitFor(socket, 'message');
      const sent = await api.POST('/api/users/{id}/message', { params: { path: { id: bob.user.id } }, body: { message: 'hi' }, headers: alice.headers });
      expect(sent.data).toEqual({ status: 'Message sent', delivered: 1 });
      expect(await received).toMatchObject({ message: 'hi' });

      const broadcast = await api.POST('/api/users/broadcast', { body: { message: 'all' }, headers: SERVICE_KEY_HEADERS });
      expect(broadcast.data).toEqual({ status: 'Message broadcasted', recipients: 1 });
    } finally {
      closeAll(socket);
    }
  });

  it('speaks the realtime protocol through sockets typed with src/contracts', async () => {
    const alice = await signUpAndLogIn('alice');
    const bob = await signUpAndLogIn('bob');
    const [a, b] = [await connectRoot(t.url, alice.accessToken), await connectRoot(t.url, bob.accessToken)];
    const [va, vb] = [await connectVoice(t.url, alice.accessToken), await connectVoice(t.url, bob.accessToken)];
    try {
      const ringing = new Promise<IncomingCallPayload>((resolve) => b.once('incomingCall', resolve));
      const ack = await new Promise((resolve) => a.emit('callUser', { targetUserId: bob.user.id, signalData: { type: 'offer', sdp: 'v=0' } }, resolve));
      expect(ack).toEqual({ ok: true, status: 'ringing' });
      expect(await ringing).toEqual({ from: alice.user.id, username: 'alice', signalData: { type: 'offer', sdp: 'v=0' } });

      const channel = (await api.POST('/api/channels', { body: { name: 'Voice' }, headers: alice.headers })).data!.data;
      const joined = new Promise<UserJoinedPayload>((resolve) => va.once('UserJoined', resolve));
      expect(await new Promise((resolve) => va.emit('JoinChannel', { channel_id: channel.id }, resolve))).toEqual({
        ok: true,
        channel_id: channel.id,
        members: [alice.user.id],
      });
      await new Promise((resolve) => vb.emit('JoinChannel', { channel_id: channel.id }, resolve));
      expect(await joined).toEqual({ user_id: bob.user.id, channel_id: channel.id });
    } finally {
      closeAll(a, b, va, vb);
    }
  });

  it('reads the metrics API', async () => {
    const current = await api.GET('/api/metrics/current');
    expect(current.data?.data.system_health.database_up).toBe(true);
    const summary = await api.GET('/api/metrics/summary');
    expect(summary.data?.data.database_up).toBe(true);
    const health = await api.GET('/api/metrics/health');
    expect(health.data?.data.components.database.metrics).toEqual({ reachable: true });
    const history = await api.GET('/api/metrics/history', { params: { query: { limit: 5 } } });
    expect(history.data?.data.samples.length).toBeLessThanOrEqual(5);
    const alerts = await api.GET('/api/metrics/alerts', { params: { query: { severity: 'warning' } } });
    expect(Array.isArray(alerts.data?.data)).toBe(true);
    const component = await api.GET('/api/metrics/component/{component}', { params: { path: { component: 'audio' } } });
    expect(component.data?.data.component).toBe('audio');
  });
});
